"""A generator of synthetic Korean complaints for tests, benchmarks and the demo (never real citizens' text).

Each text is put together from the word lists in ``synthetic_vocab`` in one of several layouts (full letter,
terse note, problem first, question, time first), then roughened: spacing dropped or added, jamo-level
typos, casual spellings, emoticons, English words. Locations are points near the centre of one of
Namyangju-si's 16 eup/myeon/dong. Everything is drawn from one seeded ``random.Random``: same seed, same data.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maeul.services.complaints.ai.synthetic_vocab import (
    CATEGORY_WORDS,
    CLOSERS,
    DISTRICTS,
    GENERIC_REQUESTS,
    IMPACTS_COMMON,
    LANDMARKS,
    OPENERS,
    TIMES,
)
from maeul.services.complaints.ai.taxonomy import CATEGORY_BY_CODE

START = datetime(2026, 8, 1, tzinfo=UTC)
_PARTICLES = {
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "은": ("은", "는"),
    "는": ("은", "는"),
}
_CASUAL = (
    ("주세요", "주세여"),
    ("주세요", "주셈"),
    ("습니다", "슴다"),
    ("너무", "넘"),
    ("요.", "여."),
    ("해요", "해여"),
    ("부탁드립니다", "부탁드려요"),
    ("빨리", "빨리좀"),
    ("있어요", "있어욬"),
    ("이에요", "이예요"),
    ("왜", "왜케"),
)
_TAILS = ("ㅠㅠ", "ㅡㅡ", "!!", "...", "ㅜㅜ", "!!!", "??", "ㅠ")
_MIXED = ("(사진 첨부)", "[민원]", "GPS 위치 첨부합니다.", "앱으로 신고해요.", "급함", "#민원", "(재신고)")


@dataclass(frozen=True, slots=True)
class SyntheticComplaint:
    text: str
    category: str
    department: str
    lat: float
    lon: float
    created_at: datetime
    district_code: str
    incident: str = ""  # duplicate sets: reports of one incident share it


def _has_batchim(char: str) -> bool | None:
    code = ord(char) - 0xAC00
    return (code % 28 != 0) if 0 <= code < 11172 else None


def _fill(template: str, obj: str, rng: random.Random) -> str:
    """``{obj}`` replaced, with the particle after it agreeing with the word's last syllable."""
    out = template
    while "{obj}" in out:
        i = out.index("{obj}")
        rest = out[i + 5 :]
        if rest[:1] in _PARTICLES and (len(rest) == 1 or not ("가" <= rest[1] <= "힣")):
            batchim = _has_batchim(obj[-1])
            if batchim is None:
                batchim = rng.random() < 0.5
            rest = _PARTICLES[rest[0]][0 if batchim else 1] + rest[1:]
        out = out[:i] + obj + rest
    return out


def _typo(text: str, rng: random.Random) -> str:
    """One jamo-level slip on a random syllable: final consonant dropped or added, or a vowel swapped."""
    spots = [i for i, c in enumerate(text) if "가" <= c <= "힣"]
    if not spots:
        return text
    i = rng.choice(spots)
    code = ord(text[i]) - 0xAC00
    lead, vowel, tail = code // 588, (code % 588) // 28, code % 28
    kind = rng.random()
    if kind < 0.4:
        tail = 0 if tail else rng.choice((4, 8, 21))  # drop, or add ㄴ, ㄹ, ㅇ
    elif kind < 0.8:
        vowel = {1: 5, 5: 1, 8: 4, 4: 8, 13: 18, 18: 13}.get(vowel, vowel)  # ㅐ↔ㅔ, ㅗ↔ㅓ, ㅜ↔ㅡ
    elif i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # two characters swapped
    return text[:i] + chr(0xAC00 + lead * 588 + vowel * 28 + tail) + text[i + 1 :]


def roughen(text: str, rng: random.Random) -> str:
    """Spacing, typos, casual spellings and tails as people type on a phone."""
    for plain, casual in _CASUAL:
        if plain in text and rng.random() < 0.12:
            text = text.replace(plain, casual, 1)
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        text = _typo(text, rng)
    spacing = rng.random()
    if spacing < 0.12:
        text = text.replace(" ", "")
    elif spacing < 0.35:
        text = re.sub(" ", lambda _m: "" if rng.random() < 0.35 else " ", text)
    elif spacing < 0.42:
        text = re.sub(" ", lambda _m: "  " if rng.random() < 0.3 else " ", text)
    if rng.random() < 0.2:
        text = text.rstrip(".") + rng.choice(_TAILS)
    if rng.random() < 0.1:
        text = rng.choice(_MIXED) + " " + text if rng.random() < 0.5 else text + " " + rng.choice(_MIXED)
    return text


def _place(code: str, landmark: str, rng: random.Random) -> str:
    name, villages, _ = DISTRICTS[code]
    village = rng.choice(villages)
    return rng.choice(
        (
            f"{name} {village} {landmark}",
            f"{village} {landmark}",
            f"남양주시 {name} {landmark}",
            f"{landmark}",
            f"{name} {village}",
            f"우리 집 앞 {landmark}",
        )
    )


def compose(category: str, code: str, landmark: str, rng: random.Random) -> str:
    """One complaint text of ``category`` about a place near ``landmark`` in district ``code``."""
    words = CATEGORY_WORDS[category]
    problem = _fill(rng.choice(words["problem"]), rng.choice(words["obj"]), rng)
    impact = rng.choice(words["impact"]) if rng.random() < 0.45 else ""
    if not impact and rng.random() < 0.3:
        impact = rng.choice(IMPACTS_COMMON)
    request = rng.choice(words["request"]) if rng.random() < 0.6 else rng.choice(GENERIC_REQUESTS)
    opener = rng.choice(OPENERS).format(district=DISTRICTS[code][0])
    closer = rng.choice(CLOSERS)
    place = _place(code, landmark, rng)
    when = rng.choice(TIMES)
    layout = rng.randrange(6)
    if layout == 0:
        parts = [opener, f"{place}에 {problem}.", impact, request, closer]
    elif layout == 1:
        parts = [f"[{DISTRICTS[code][0]}] {place} {problem}.", request]
    elif layout == 2:
        parts = [f"{problem}.", f"위치: {place}.", impact, request]
    elif layout == 3:
        parts = [opener, f"{place}에 {problem}.", impact, "언제 고쳐 주시나요?"]
    elif layout == 4:
        parts = [opener, f"{when} {_fill('{obj}을', place, rng)} 지나가는데 {problem}.", impact, request, closer]
    else:
        parts = [f"{place}.", f"{when} {problem}.", request, closer]
    return roughen(" ".join(p for p in parts if p), rng)


def _near(lat: float, lon: float, metres: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _row(
    category: str,
    code: str,
    landmark: str,
    lat: float,
    lon: float,
    at: datetime,
    rng: random.Random,
    incident: str = "",
) -> SyntheticComplaint:
    return SyntheticComplaint(
        text=compose(category, code, landmark, rng),
        category=category,
        department=CATEGORY_BY_CODE[category].department,
        lat=lat,
        lon=lon,
        created_at=at,
        district_code=code,
        incident=incident,
    )


def generate_complaints(per_category: int, *, seed: int = 0, days: int = 110) -> list[SyntheticComplaint]:
    """``per_category`` complaints of every category, spread over districts and ``days`` from 2026-08-01."""
    rng = random.Random(seed)
    out: list[SyntheticComplaint] = []
    for category in CATEGORY_WORDS:
        for _ in range(per_category):
            code = rng.choice(tuple(DISTRICTS))
            lat, lon = _near(*DISTRICTS[code][2], rng.uniform(0, 900), rng)
            at = START + timedelta(minutes=rng.randrange(days * 24 * 60))
            out.append(_row(category, code, rng.choice(LANDMARKS), lat, lon, at, rng))
    rng.shuffle(out)
    return out


def generate_duplicate_set(incidents: int, *, seed: int = 0) -> list[SyntheticComplaint]:
    """Reports of ``incidents`` incidents (2-4 reports each, 5-80 m and up to 3 days apart, sharing the
    ``incident`` label) and, around each, look-alikes that are not duplicates: the same category 60-400 m
    away (another spot), another category at the same spot, a related category at the same spot, and the
    same category at the same spot 30-60 days earlier. See docs/complaints-ai.md."""
    from maeul.services.complaints.ai.taxonomy import related_categories

    rng = random.Random(seed)
    related = related_categories()
    categories = tuple(CATEGORY_WORDS)
    out: list[SyntheticComplaint] = []
    for number in range(1, incidents + 1):
        category = rng.choice(categories)
        code = rng.choice(tuple(DISTRICTS))
        lat, lon = _near(*DISTRICTS[code][2], rng.uniform(0, 1500), rng)
        t0 = START + timedelta(days=60, minutes=rng.randrange(40 * 24 * 60))
        landmark = rng.choice(LANDMARKS)
        label = f"I{number:03d}"
        for _ in range(rng.choice((2, 2, 3, 3, 4))):
            here = _near(lat, lon, rng.uniform(5, 80), rng)
            mark = landmark if rng.random() < 0.6 else rng.choice(LANDMARKS)
            out.append(_row(category, code, mark, *here, t0 + timedelta(minutes=rng.randrange(72 * 60)), rng, label))
        for _ in range(2):
            there = _near(lat, lon, rng.uniform(60, 400), rng)
            t = t0 + timedelta(minutes=rng.randrange(-5 * 24 * 60, 5 * 24 * 60))
            out.append(_row(category, code, rng.choice(LANDMARKS), *there, t, rng))
        other = rng.choice([c for c in categories if c not in related[category]])
        t = t0 + timedelta(minutes=rng.randrange(72 * 60))
        out.append(_row(other, code, landmark, *_near(lat, lon, rng.uniform(5, 50), rng), t, rng))
        siblings = sorted(related[category] - {category})
        if siblings:
            t = t0 + timedelta(minutes=rng.randrange(72 * 60))
            near = _near(lat, lon, rng.uniform(5, 50), rng)
            out.append(_row(rng.choice(siblings), code, landmark, *near, t, rng))
        old = t0 - timedelta(days=rng.uniform(30, 60))
        out.append(_row(category, code, landmark, *_near(lat, lon, rng.uniform(5, 50), rng), old, rng))
    return out
