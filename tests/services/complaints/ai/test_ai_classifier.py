from __future__ import annotations

import numpy as np
import pytest
from ai_support import small_classifier, small_examples

from maeul.services.complaints.ai import AiInputError, Classifier, LabelledExample, cross_validate, train_classifier
from maeul.services.complaints.ai.evaluation import choose_threshold, score


@pytest.mark.parametrize(
    ("text", "category", "department"),
    [
        ("집 앞 도로에 포트홀이 크게 생겨서 타이어가 터질 뻔했어요", "road_damage", "roads"),
        ("골목 가로등이 며칠째 안 켜져서 밤에 깜깜합니다", "street_light", "roads"),
        ("소화전 앞에 불법 주차한 차량 단속해 주세요", "illegal_parking", "traffic"),
        ("공사장 소음 때문에 새벽부터 잠을 못 자요", "noise", "environment"),
        ("하수구가 막혀서 비만 오면 역류합니다", "water_leak", "water"),
        ("놀이터 미끄럼틀이 부서져 있어요", "park_facility", "parks"),
        ("언덕길이 꽁꽁 얼었어요 제설 부탁드립니다", "snow_ice", "safety"),
        ("가로수에 불법 현수막을 묶어 놨어요", "illegal_banner", "buildings"),
    ],
)
def test_clear_texts_get_their_category_and_department(text: str, category: str, department: str) -> None:
    prediction = small_classifier().predict(text)
    assert (prediction.category, prediction.department) == (category, department)
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.alternatives[0][0] == category
    assert prediction.needs_triage == (prediction.confidence < small_classifier().threshold)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_goes_to_a_person(text: str) -> None:
    prediction = small_classifier().predict(text)
    assert prediction.needs_triage and prediction.confidence == 0.0


def test_predict_many_matches_predict_and_handles_empty_list() -> None:
    texts = ["가로등 고장", "쓰레기 무단투기"]
    assert small_classifier().predict_many(texts) == [small_classifier().predict(t) for t in texts]
    assert small_classifier().predict_many([]) == []


def test_serialised_classifier_predicts_the_same_and_checks_its_signature() -> None:
    classifier = small_classifier()
    data = classifier.to_bytes(key=b"k" * 32)
    again = Classifier.from_bytes(data, key=b"k" * 32)
    assert again.version == classifier.version and again.threshold == classifier.threshold
    assert again.predict("신호등이 고장 났어요") == classifier.predict("신호등이 고장 났어요")
    with pytest.raises(AiInputError, match="signature"):
        Classifier.from_bytes(data, key=b"x" * 32)
    with pytest.raises(AiInputError, match="not a serialised"):
        Classifier.from_bytes(b"\x80\x04junk")
    unsigned = classifier.to_bytes()
    assert Classifier.from_bytes(unsigned).categories == classifier.categories
    with pytest.raises(AiInputError, match="signature"):
        Classifier.from_bytes(unsigned, key=b"k" * 32)


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        ([], "no labelled examples"),
        ([LabelledExample("  ", "a", "d"), LabelledExample("텍스트", "b", "d")], "example 1 has an empty text"),
        ([LabelledExample("가", "a", ""), LabelledExample("나", "b", "d")], "lacks a category"),
        ([LabelledExample("가", "a", "d", weight=0), LabelledExample("나", "b", "d")], "weight must be > 0"),
        ([LabelledExample("가", "a", "d"), LabelledExample("나", "a", "d")], "at least two categories"),
    ],
)
def test_bad_training_input_is_refused_in_korean_and_english(examples: list[LabelledExample], message: str) -> None:
    with pytest.raises(AiInputError, match=message) as caught:
        train_classifier(examples)
    assert caught.value.message_ko and caught.value.message_en


def test_retraining_with_corrections_follows_the_version_and_learns_the_correction() -> None:
    base = [
        LabelledExample("가로등이 꺼졌어요", "street_light", "roads"),
        LabelledExample("가로등 불이 안 들어와요", "street_light", "roads"),
        LabelledExample("보안등 고장", "street_light", "roads"),
        LabelledExample("쓰레기를 몰래 버렸어요", "illegal_dumping", "waste"),
        LabelledExample("쓰레기 무단투기", "illegal_dumping", "waste"),
        LabelledExample("폐가구를 버리고 갔어요", "illegal_dumping", "waste"),
    ]
    first = train_classifier(base)
    corrected = [
        *base,
        LabelledExample("공원 조명이 나갔어요", "park_facility", "parks", weight=3.0),
        LabelledExample("공원 조명 고장", "park_facility", "parks", weight=3.0),
        LabelledExample("공원 조명 전구가 깨졌어요", "park_facility", "parks", weight=3.0),
    ]
    second = train_classifier(corrected, previous=first)
    assert (first.version, second.version) == (1, 2)
    assert "park_facility" in second.categories and "parks" in second.departments
    assert second.metrics.examples == 9 and second.metrics.categories == 3


def test_one_department_and_a_category_seen_once_still_train() -> None:
    examples = [
        LabelledExample("도로가 패였어요", "road_damage", "roads"),
        LabelledExample("포트홀이 생겼어요", "road_damage", "roads"),
        LabelledExample("인도 블록이 깨졌어요", "sidewalk", "roads"),
    ]
    classifier = train_classifier(examples, evaluate_folds=5)
    assert classifier.departments == ("roads",)
    assert classifier.predict("인도 블록").department == "roads"
    assert classifier.metrics.folds == 0 and "single example" in classifier.metrics.note


def test_cross_validation_reports_macro_f1_and_chooses_a_threshold() -> None:
    report = cross_validate(list(small_examples()), folds=3, seed=1)
    assert report.folds == 3 and report.examples == len(small_examples())
    assert report.category_macro_f1 is not None and 0.6 < report.category_macro_f1 <= 1.0
    assert len(report.confidences) == report.examples
    evaluated = train_classifier(list(small_examples())[:120], evaluate_folds=3, target_accuracy=0.5)
    assert evaluated.metrics.folds >= 2 and evaluated.metrics.auto_share is not None
    assert 0.5 <= evaluated.threshold <= 0.95


@pytest.mark.parametrize(
    ("true", "predicted", "macro"),
    [
        (["a", "b"], ["a", "b"], 1.0),
        (["a", "a", "b", "b"], ["a", "a", "a", "b"], (0.8 + 2 / 3) / 2),
        (["a", "b"], ["b", "a"], 0.0),
    ],
)
def test_score_macro_f1(true: list[str], predicted: list[str], macro: float) -> None:
    report = score(true, true, predicted, predicted, [0.9] * len(true))
    assert report.category_macro_f1 == pytest.approx(macro)
    assert report.correct.tolist() == [t == p for t, p in zip(true, predicted, strict=True)]


@pytest.mark.parametrize(
    ("confidences", "correct", "target", "expected"),
    [
        ([0.9, 0.8, 0.4], [True, True, False], 0.95, 0.5),
        ([0.9, 0.8, 0.6], [True, True, False], 0.95, 0.65),
        ([0.9, 0.8, 0.4], [True, True, True], 0.95, 0.5),
        ([0.9, 0.8], [False, False], 0.95, 0.95),
    ],
)
def test_choose_threshold(confidences: list[float], correct: list[bool], target: float, expected: float) -> None:
    assert choose_threshold(np.array(confidences), np.array(correct), target) == expected
