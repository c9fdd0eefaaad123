"""A default set of complaint categories and the departments that handle them (a starting point; each
municipality keeps its own list, and the classifier learns whatever labels its data carry).

The set follows the everyday-inconvenience reports Korean local governments receive through e-People
(국민신문고) and Safety e-Report (안전신문고): road and sidewalk damage, lights and signals, parking, waste,
noise and smells, water, parks and trees, banners, animals, snow and ice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name_ko: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name_ko: str
    name_en: str
    department: str  # a Department code
    group: str  # categories of one group are "related" for duplicate detection


DEPARTMENTS: tuple[Department, ...] = (
    Department("roads", "도로과", "Roads Division"),
    Department("traffic", "교통행정과", "Traffic Administration Division"),
    Department("waste", "자원순환과", "Waste and Recycling Division"),
    Department("environment", "환경정책과", "Environmental Policy Division"),
    Department("water", "상하수도과", "Water and Sewerage Division"),
    Department("parks", "공원녹지과", "Parks and Green Spaces Division"),
    Department("buildings", "건축과", "Buildings and Outdoor Advertising Division"),
    Department("animals", "축산과", "Livestock and Animal Welfare Division"),
    Department("safety", "안전총괄과", "Safety Management Division"),
)

CATEGORIES: tuple[Category, ...] = (
    Category("road_damage", "도로 파손(포트홀)", "Road damage (pothole)", "roads", "road"),
    Category("sidewalk", "보도·인도 파손", "Broken sidewalk", "roads", "road"),
    Category("street_light", "가로등·보안등 고장", "Street light out", "roads", "light"),
    Category("traffic_signal", "신호등·교통안전시설 고장", "Traffic signal or sign fault", "traffic", "light"),
    Category("illegal_parking", "불법 주정차", "Illegal parking", "traffic", "parking"),
    Category("illegal_dumping", "쓰레기 무단투기", "Illegal dumping", "waste", "waste"),
    Category("missed_collection", "쓰레기 미수거", "Missed waste collection", "waste", "waste"),
    Category("noise", "소음(공사장·확성기)", "Noise", "environment", "nuisance"),
    Category("odor_smoke", "악취·매연·불법소각", "Smell, smoke or open burning", "environment", "nuisance"),
    Category("water_leak", "상수도 누수·하수 막힘", "Water leak or blocked drain", "water", "water"),
    Category("park_facility", "공원·놀이터 시설 고장", "Park or playground fault", "parks", "park"),
    Category("street_tree", "가로수·쓰러진 나무", "Street tree or fallen tree", "parks", "park"),
    Category("illegal_banner", "불법 현수막·광고물", "Illegal banner or sign", "buildings", "banner"),
    Category("stray_animal", "유기동물·로드킬", "Stray animal or roadkill", "animals", "animal"),
    Category("snow_ice", "제설·결빙", "Snow and ice", "safety", "road"),
)

CATEGORY_BY_CODE = {category.code: category for category in CATEGORIES}
DEPARTMENT_BY_CODE = {department.code: department for department in DEPARTMENTS}


def related_categories(categories: tuple[Category, ...] = CATEGORIES) -> dict[str, frozenset[str]]:
    """For each category, the categories of its group (itself included): what duplicate detection compares."""
    groups: dict[str, set[str]] = {}
    for category in categories:
        groups.setdefault(category.group, set()).add(category.code)
    return {category.code: frozenset(groups[category.group]) for category in categories}
