"""``maeul.core.rules`` is pure: importing it loads no platform, adapter, database, web, MQTT or asyncio code."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("maeul.platform", "maeul.adapters", "sqlalchemy", "fastapi", "starlette", "paho", "asyncio")


def test_importing_the_rule_engine_loads_nothing_impure() -> None:
    code = "import sys, json, maeul.core.rules; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    assert [m for m in loaded if m.startswith(FORBIDDEN)] == []
