"""Hidden policy demand: districts compared by their mix of complaints (cosine similarity of the share of
each category), so that an action taken in one district can be suggested for the districts most like it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from maeul.services.complaints.ai.records import AiInputError, Complaint, DistrictMatch


def complaint_mix(complaints: Iterable[Complaint]) -> dict[str, dict[str, int]]:
    """Counts by district and category (complaints without a district are left out)."""
    counts: dict[str, Counter[str]] = {}
    for c in complaints:
        if c.district_code:
            counts.setdefault(c.district_code, Counter())[c.category] += 1
    return {district: dict(counter) for district, counter in counts.items()}


def similar_districts(
    mix: Mapping[str, Mapping[str, int]],
    district: str,
    *,
    category: str | None = None,
    top_k: int = 3,
    min_total: int = 20,
    district_names: Mapping[str, tuple[str, str]] | None = None,
    action: tuple[str, str] | None = None,
) -> list[DistrictMatch]:
    """The ``top_k`` districts whose category shares are most like ``district``'s (cosine, 0..1).

    Districts with fewer than ``min_total`` complaints are left out (too few to say). With ``category`` (the
    category an action answered) only districts where that category has at least half the share it has in
    ``district`` are kept, and each match carries its share. ``action`` = (ko, en) description of the action
    taken in ``district``, e.g. ("가로등 증설", "new street lights"), for the suggestion messages.
    """
    if district not in mix:
        raise AiInputError(f"{district} 지역의 민원 자료가 없습니다", f"no complaints for district {district}")
    if top_k < 1:
        raise AiInputError("top_k는 1 이상이어야 합니다", "top_k must be at least 1")
    categories = sorted({c for counts in mix.values() for c in counts})
    names = district_names or {}

    def shares(code: str) -> np.ndarray:
        vector = np.array([mix[code].get(c, 0) for c in categories], dtype=float)
        total = vector.sum()
        return vector / total if total else vector

    target = shares(district)
    target_norm = float(np.linalg.norm(target))
    if target_norm == 0:
        return []
    own_share = float(target[categories.index(category)]) if category in categories else 0.0
    out: list[DistrictMatch] = []
    for code in sorted(mix):
        total = int(sum(mix[code].values()))
        if code == district or total < min_total:
            continue
        vector = shares(code)
        similarity = float(vector @ target / (np.linalg.norm(vector) * target_norm))
        share = float(vector[categories.index(category)]) if category in categories else None
        if category is not None and (share is None or share < own_share / 2 or share == 0):
            continue
        ko = en = ""
        if action is not None:
            src_ko, src_en = names.get(district, (district, district))
            dst_ko, dst_en = names.get(code, (code, code))
            ko = f"{src_ko}에서 한 '{action[0]}'을(를) {dst_ko}에도 검토해 보십시오 (민원 구성 유사도 {similarity:.2f})"
            en = f"Consider '{action[1]}', done in {src_en}, for {dst_en} too (similarity {similarity:.2f})"
        out.append(DistrictMatch(code, round(similarity, 4), total, share, ko, en))
    out.sort(key=lambda m: (-m.similarity, m.district_code))
    return out[:top_k]
