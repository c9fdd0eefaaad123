"""Pages in a real headless Chromium for the tests: Debian's browser driven by Playwright (no download), a page
with the project's viewport and locale, and axe-core's accessibility check with a screenshot."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from maeul.web.static_files import node_modules

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = Path(os.environ.get("MAEUL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WAIT_MS = 20_000


def require_browser() -> None:
    """Skip the test when Chromium or the npm packages are missing; in CI, fail instead."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (apt-get install chromium; ./run test installs it)")
    if not (node_modules() / "axe-core" / "axe.min.js").exists():
        problems.append("node_modules is missing (npm ci; ./run install does it)")
    if problems:
        if IN_CI:
            pytest.fail("; ".join(problems))
        pytest.skip("; ".join(problems))


@contextmanager
def browser_page(artifacts: Path) -> Iterator[Any]:
    """A fresh page (1280×900, ko-KR) in a new headless Chromium; ``artifacts`` is created for screenshots."""
    from playwright.sync_api import sync_playwright

    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def check_accessibility(page: Any, artifacts: Path, name: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation. Also saves a screenshot."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate((node_modules() / "axe-core" / "axe.min.js").read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }",
        AXE_TAGS,
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: accessibility violations {bad}"
