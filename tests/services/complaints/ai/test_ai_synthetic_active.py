from __future__ import annotations

import random
from collections import Counter

import pytest
from ai_support import small_classifier

from maeul.services.complaints import ai
from maeul.services.complaints.ai.synthetic import _fill, generate_complaints, generate_duplicate_set, roughen
from maeul.services.complaints.ai.taxonomy import CATEGORIES, CATEGORY_BY_CODE, DEPARTMENT_BY_CODE, related_categories


@pytest.mark.parametrize(
    ("template", "obj", "expected"),
    [
        ("{obj}이 꺼졌어요", "가로등", "가로등이 꺼졌어요"),
        ("{obj}이 꺼졌어요", "보도", "보도가 꺼졌어요"),
        ("{obj}를 버렸어요", "쓰레기", "쓰레기를 버렸어요"),
        ("{obj}를 버렸어요", "폐가구", "폐가구를 버렸어요"),
        ("{obj}을 지나가는데", "마석우리", "마석우리를 지나가는데"),
        ("{obj}은 위험", "빙판길", "빙판길은 위험"),
        ("{obj}이에요", "도로", "도로이에요"),  # not a bare particle: left alone
        ("{obj} 파손", "도로", "도로 파손"),
    ],
)
def test_particles_agree_with_the_word(template: str, obj: str, expected: str) -> None:
    assert _fill(template, obj, random.Random(0)) == expected


def test_generation_is_deterministic_balanced_and_labelled_with_the_taxonomy() -> None:
    first, second = generate_complaints(5, seed=4), generate_complaints(5, seed=4)
    assert first == second and first != generate_complaints(5, seed=5)
    assert Counter(c.category for c in first) == {c.code: 5 for c in CATEGORIES}
    for c in first:
        assert c.department == CATEGORY_BY_CODE[c.category].department and c.text.strip()
        assert 37.4 < c.lat < 37.9 and 127.0 < c.lon < 127.5 and c.created_at.tzinfo is not None
    assert len({c.text for c in first}) == len(first)


def test_duplicate_set_structure() -> None:
    rows = generate_duplicate_set(6, seed=2)
    incidents = Counter(r.incident for r in rows if r.incident)
    assert len(incidents) == 6 and all(2 <= n <= 4 for n in incidents.values())
    assert sum(1 for r in rows if not r.incident) >= 6 * 4


def test_roughen_keeps_text_nonempty() -> None:
    rng = random.Random(1)
    for _ in range(200):
        assert roughen("도로에 구멍이 났어요. 빨리 고쳐 주세요.", rng).strip()


def test_taxonomy_is_consistent() -> None:
    assert all(c.department in DEPARTMENT_BY_CODE for c in CATEGORIES)
    related = related_categories()
    assert related["road_damage"] >= {"road_damage", "sidewalk", "snow_ice"}
    assert all(code in group for code, group in related.items())


def test_classify_port_answers_only_with_a_model() -> None:
    ai.use_classifier(None)
    assert ai.classify("가로등이 꺼졌어요") is None
    ai.use_classifier(small_classifier())
    try:
        category, confidence = ai.classify("가로등이 꺼졌어요") or ("", 0.0)
        assert category == "street_light" and 0 < confidence <= 1
        assert ai.classify("   ") is None
        ai.use_classifier(small_classifier(), tenant_id="t1")
        assert ai.current_classifier("t1") is small_classifier()
        assert ai.predict("쓰레기 무단투기", tenant_id="other") is not None  # falls back to the shared one
    finally:
        ai.use_classifier(None, tenant_id="t1")
        ai.use_classifier(None)
    assert ai.current_classifier() is None


def test_the_service_port_finds_the_classifier_in_use() -> None:
    from maeul.services.complaints import ports

    ai.use_classifier(small_classifier())
    try:
        suggestion = ports.default_classifier("any-tenant", "놀이터 미끄럼틀이 부서져 있어요")
        assert suggestion is not None and suggestion.category == "park_facility"
    finally:
        ai.use_classifier(None)
    assert ports.default_classifier("any-tenant", "놀이터 미끄럼틀이 부서져 있어요") is None
