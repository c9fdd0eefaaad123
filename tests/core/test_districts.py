"""Districts from GeoJSON: validation of a FeatureCollection, and finding the district of a point."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maeul.core.districts import District, DistrictIndex, parse_feature_collection


def square(lon: float, lat: float, size: float = 1.0) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code: Any, name: Any, geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"code": code, "name": name, **props}, "geometry": geometry}


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_a_good_collection() -> None:
    multi = {"type": "MultiPolygon", "coordinates": [square(0, 0)["coordinates"], square(5, 5)["coordinates"]]}
    items, errors = parse_feature_collection(
        collection(
            feature("3113025", " 화도읍 ", square(127, 37), name_en="Hwado-eup"),
            feature(3113026, "진접읍", multi, name_eng="Jinjeop-eup"),
            feature("3113027", "별내동", square(130, 37)),
        )
    )
    assert errors == []
    assert [(d.code, d.name, d.name_en) for d in items] == [
        ("3113025", "화도읍", "Hwado-eup"),
        ("3113026", "진접읍", "Jinjeop-eup"),
        ("3113027", "별내동", None),
    ]
    assert items[1].geometry == multi


BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "not a GeoJSON FeatureCollection"),
        ({"type": "Feature"}, "not a GeoJSON FeatureCollection"),
        (collection(), "the collection has no features"),
        ({"type": "FeatureCollection"}, "the collection has no features"),
        (collection(feature("", "x", square(0, 0))), "feature 1: needs 'code' and 'name'"),
        (collection(feature("1", None, square(0, 0))), "feature 1: needs 'code' and 'name'"),
        (collection(5), "feature 1: not a GeoJSON Feature object"),
        (collection(feature("1", "x", {"type": "Point", "coordinates": [0, 0]})), "Polygon or MultiPolygon"),
        (collection(feature("1", "x", None)), "Polygon or MultiPolygon"),
        (collection(feature("1", "x", {"type": "Polygon", "coordinates": "x"})), "unreadable geometry"),
        (collection(feature("1", "x", {"type": "Polygon", "coordinates": [[1, 2]]})), "unreadable geometry"),
        (collection(feature("1", "x", BOWTIE)), "the polygon is invalid"),
    ],
)
def test_refusals(document: Any, problem: str) -> None:
    items, errors = parse_feature_collection(document)
    assert items == [] and len(errors) == 1 and problem in errors[0], errors


def test_every_problem_is_reported_and_good_features_are_kept_apart() -> None:
    items, errors = parse_feature_collection(
        collection(feature("1", "a", square(0, 0)), feature("1", "b", square(2, 2)), feature("3", "", square(4, 4)))
    )
    assert [d.code for d in items] == ["1"]
    assert errors == ["feature 2: code 1 appears twice", "feature 3: needs 'code' and 'name' properties"]


def test_properties_that_are_not_an_object_are_reported() -> None:
    items, errors = parse_feature_collection(collection({"type": "Feature", "properties": [1], "geometry": None}))
    assert items == [] and errors


def test_point_lookup() -> None:
    index = DistrictIndex([District("a", "A", None, square(0, 0)), District("b", "B", None, square(1, 0))])
    assert index.locate(0.5, 0.5) == "a"
    assert index.locate(1.5, 0.5) == "b"
    assert index.locate(0, 0) == "a"  # the boundary belongs to the district
    assert index.locate(5, 5) is None
    assert DistrictIndex([]).locate(0, 0) is None


json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
json_values = st.recursive(
    json_leaf,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["code", "name", "type", "x"]), c, max_size=3),
    max_leaves=15,
)
features = st.fixed_dictionaries(
    {"type": st.just("Feature"), "properties": st.dictionaries(st.sampled_from(["code", "name"]), json_leaf)},
    optional={"geometry": json_values},
)


@settings(max_examples=200)
@given(st.lists(features, max_size=5))
def test_arbitrary_features_give_items_or_reasons(items_in: list[dict[str, Any]]) -> None:
    items, errors = parse_feature_collection(collection(*items_in))
    assert len(items) + len(errors) >= 1
    assert len({d.code for d in items}) == len(items)
    assert all(isinstance(e, str) and e for e in errors)
