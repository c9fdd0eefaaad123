"""Labelled complaints and trained classifiers of each tenant, in the service's own tables.

The classifiers are stored signed (``Classifier.to_bytes(key=...)``); the HMAC key lives in the data directory
(``complaints_model.key``), never in the database, so bytes written into the database by anyone else are refused.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select

from maeul.platform import clock
from maeul.services.complaints.tables import complaints_labelled, complaints_models

if TYPE_CHECKING:
    from maeul.services.complaints.ai import Classifier, LabelledRow, RowError

KEY_FILE = "complaints_model.key"
CORRECTION_WEIGHT = 2.0


def model_key(data_dir: Path) -> bytes:
    """The installation's HMAC key for stored classifiers, made on first use (readable by the owner only)."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def _ms(when: datetime | None) -> int | None:
    return None if when is None else int(when.timestamp() * 1000)


def parse(text: str) -> tuple[list[LabelledRow], list[RowError]]:
    from maeul.services.complaints.ai import parse_labelled_csv

    return parse_labelled_csv(text)


def import_rows(
    conn: Connection,
    tenant_id: str,
    rows: Sequence[LabelledRow],
    *,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
    batch: int = 1000,
) -> int:
    """Insert valid rows (parse first: a file with errors is never imported); ``replace`` drops earlier imports."""
    if replace:
        conn.execute(
            delete(complaints_labelled).where(
                complaints_labelled.c.tenant_id == tenant_id, complaints_labelled.c.source == "import"
            )
        )
    now = clock.now_ms()
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        conn.execute(
            insert(complaints_labelled),
            [
                {
                    "tenant_id": tenant_id,
                    "text": r.text,
                    "category": r.category,
                    "department": r.department,
                    "lat": r.lat,
                    "lon": r.lon,
                    "created_at": _ms(r.created_at),
                    "district_code": r.district_code,
                    "source": "import",
                    "request_id": None,
                    "weight": 1.0,
                    "imported_at": now,
                }
                for r in chunk
            ],
        )
        if progress is not None:
            progress(len(chunk))
    return len(rows)


def add_correction(
    conn: Connection, tenant_id: str, request_id: int, text: str, category: str, department: str
) -> None:
    """A staff correction of a request's category: replaces an earlier correction of the same request."""
    conn.execute(
        delete(complaints_labelled).where(
            complaints_labelled.c.tenant_id == tenant_id, complaints_labelled.c.request_id == request_id
        )
    )
    conn.execute(
        insert(complaints_labelled).values(
            tenant_id=tenant_id,
            text=text,
            category=category,
            department=department,
            source="correction",
            request_id=request_id,
            weight=CORRECTION_WEIGHT,
            imported_at=clock.now_ms(),
        )
    )


def counts(conn: Connection, tenant_id: str) -> dict[str, int]:
    rows = conn.execute(
        select(complaints_labelled.c.source, func.count())
        .where(complaints_labelled.c.tenant_id == tenant_id)
        .group_by(complaints_labelled.c.source)
    ).all()
    return {str(source): int(n) for source, n in rows}


def examples(conn: Connection, tenant_id: str) -> list[Any]:
    from maeul.services.complaints.ai import LabelledExample

    rows = conn.execute(
        select(
            complaints_labelled.c.text,
            complaints_labelled.c.category,
            complaints_labelled.c.department,
            complaints_labelled.c.weight,
        )
        .where(complaints_labelled.c.tenant_id == tenant_id)
        .order_by(complaints_labelled.c.id)
    ).all()
    return [LabelledExample(r.text, r.category, r.department, float(r.weight)) for r in rows]


def save_model(conn: Connection, tenant_id: str, model: Classifier, key: bytes) -> dict[str, Any]:
    metrics = asdict(model.metrics)
    values = {
        "tenant_id": tenant_id,
        "version": model.version,
        "model": model.to_bytes(key=key),
        "metrics": metrics,
        "trained_at": int(model.trained_at.timestamp() * 1000),
    }
    conn.execute(insert(complaints_models).values(**values))
    return {"version": model.version, "metrics": metrics, "trained_at": values["trained_at"]}


def model_info(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's models, newest first (without the bytes)."""
    rows = conn.execute(
        select(complaints_models.c.version, complaints_models.c.metrics, complaints_models.c.trained_at)
        .where(complaints_models.c.tenant_id == tenant_id)
        .order_by(complaints_models.c.version.desc())
    ).all()
    return [dict(r._mapping) for r in rows]


def latest_models(conn: Connection) -> dict[str, bytes]:
    """The newest stored model of every tenant."""
    newest = (
        select(complaints_models.c.tenant_id, func.max(complaints_models.c.version).label("version"))
        .group_by(complaints_models.c.tenant_id)
        .subquery()
    )
    rows = conn.execute(
        select(complaints_models.c.tenant_id, complaints_models.c.model).join(
            newest,
            (complaints_models.c.tenant_id == newest.c.tenant_id) & (complaints_models.c.version == newest.c.version),
        )
    ).all()
    return {str(r.tenant_id): bytes(r.model) for r in rows}
