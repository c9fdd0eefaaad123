"""Reports as CSV, HTML (with inline SVG charts, Korean and English) and PDF (headless Chromium's
print-to-PDF, when a Chromium is installed). No personal data appears in any of them: homes are named by their
label and district."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from maeul.services.care.core.reports import KINDS, Evaluation
from maeul.services.care.core.status import KST

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

KIND_LABELS = {
    "immediate": ("즉시(응급·화재·가스)", "immediate (button, smoke, gas)"),
    "inactivity": ("무활동", "inactivity"),
    "environment": ("실내 환경", "indoor environment"),
    "routine": ("생활 습관(약·활력징후)", "routine (pills, vitals)"),
    "device": ("장치 상태", "device health"),
    "other": ("기타", "other"),
}


def bar_chart(values: Sequence[tuple[str, float]], width: int = 640, height: int = 180) -> str:
    """An SVG bar chart (labels under the bars); plain markup, no script."""
    if not values:
        return ""
    top = max((v for _, v in values), default=0.0) or 1.0
    gap = 2
    bar_w = max(2, (width - 40) // len(values) - gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" role="img">']
    every = max(1, len(values) // 12)
    for i, (label, value) in enumerate(values):
        h = int((height - 10) * value / top)
        x = 30 + i * (bar_w + gap)
        parts.append(f'<rect x="{x}" y="{height - h}" width="{bar_w}" height="{h}" fill="#2f6fb0"><title>')
        parts.append(f"{_ENV.from_string('{{ l }}').render(l=label)}: {value:g}</title></rect>")
        if i % every == 0:
            text = _ENV.from_string("{{ l }}").render(l=label)
            parts.append(f'<text x="{x}" y="{height + 14}" font-size="10">{text}</text>')
    parts.append(f'<text x="0" y="12" font-size="10">{top:g}</text></svg>')
    return "".join(parts)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


_PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{{ title_ko }} / {{ title_en }}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}h1{font-size:1.4em}</style></head>
<body><h1>{{ title_ko }}<br><small>{{ title_en }}</small></h1>
<p>{{ subtitle }}</p>
{% for chart in charts %}<h2>{{ chart.title }}</h2>{{ chart.svg | safe }}{% endfor %}
<table><tr><th>항목 / item</th><th>값 / value</th></tr>
{% for k, v in rows %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}</table>
<p><small>생성 / generated {{ generated }} · Maeul</small></p></body></html>"""


def html_page(
    title_ko: str, title_en: str, subtitle: str, charts: list[dict[str, str]], rows: Sequence[tuple[str, str]]
) -> str:
    return _ENV.from_string(_PAGE).render(
        title_ko=title_ko,
        title_en=title_en,
        subtitle=subtitle,
        charts=charts,
        rows=rows,
        generated=datetime.now(KST).strftime("%Y-%m-%d %H:%M KST"),
    )


def evaluation_html(ev: Evaluation, scope: str) -> str:
    kinds = [(KIND_LABELS[k][1], float(ev.alerts_by_kind.get(k, 0))) for k in KINDS]
    labelled = [(f"{KIND_LABELS[k][0]} / {KIND_LABELS[k][1]}", str(ev.alerts_by_kind.get(k, 0))) for k in KINDS]
    rows = [*labelled, *ev.rows()]
    return html_page(
        "돌봄 안전망 시범사업 평가",
        "Care safety net: pilot evaluation",
        scope,
        [{"title": "종류별 경보 / alerts by kind", "svg": bar_chart(kinds)}],
        rows,
    )


def evaluation_csv(ev: Evaluation) -> str:
    return csv_text(["metric", "value"], ev.rows())


def activity_csv(points: Sequence[tuple[int, float, float | None]]) -> str:
    rows = [
        (datetime.fromtimestamp(ts / 1000, KST).isoformat(), f"{motion:g}", "" if t is None else f"{t:.1f}")
        for ts, motion, t in points
    ]
    return csv_text(["time", "motion_events", "temperature_c"], rows)


def activity_html(code: str, period: str, points: Sequence[tuple[int, float, float | None]], daily: bool) -> str:
    fmt = "%m-%d" if daily else "%H"
    bars = [(datetime.fromtimestamp(ts / 1000, KST).strftime(fmt), motion) for ts, motion, _ in points]
    temps = [(datetime.fromtimestamp(ts / 1000, KST).strftime(fmt), t or 0.0) for ts, _, t in points]
    rows = [
        ("가구 / household", code),
        ("기간 / period", period),
        ("활동 합계 / motion events", f"{sum(b for _, b in bars):g}"),
    ]
    return html_page(
        "가구 활동 보고서",
        "Household activity report",
        f"{code} · {period}",
        [
            {"title": "활동량 / activity (motion events)", "svg": bar_chart(bars)},
            {"title": "실내 온도 / indoor temperature (°C)", "svg": bar_chart(temps)},
        ],
        rows,
    )


class PdfUnavailable(RuntimeError):
    """No Chromium to print with."""


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, timeout_s: float = 120.0) -> bytes:
    """Print the page with headless Chromium (no network: the page is self-contained)."""
    browser = chromium()
    if browser is None:
        raise PdfUnavailable("PDF export needs Chromium (apt-get install chromium); use format=html and print it")
    with tempfile.TemporaryDirectory(prefix="maeul-care-pdf-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={out}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout_s,
        )
        return out.read_bytes()
