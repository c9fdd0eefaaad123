"""Seeding a tenant: the default categories (from the AI part's taxonomy) and the departments that handle them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from maeul.adapters.sql import accounts
from maeul.adapters.sql.tables import departments
from maeul.services.complaints import config_repo

# Which kind (and so which legal period) each default category has: all are everyday grievances (고충민원).
DEFAULT_KIND = "grievance"


def _default_taxonomy() -> tuple[Any, Any]:
    from maeul.services.complaints.ai import taxonomy

    return taxonomy.DEPARTMENTS, taxonomy.CATEGORIES


def seed_categories(conn: Connection, tenant_id: str) -> int:
    """Add the default categories the tenant lacks (and their departments, by Korean name); returns how many."""
    department_list, category_list = _default_taxonomy()
    ids: dict[str, int] = {}
    for department in department_list:
        found = conn.execute(
            select(departments.c.id).where(
                departments.c.tenant_id == tenant_id, departments.c.name == department.name_ko
            )
        ).scalar()
        ids[department.code] = (
            int(found)
            if found is not None
            else int(accounts.create_department(conn, tenant_id, department.name_ko)["id"])
        )
    added = 0
    for category in category_list:
        if config_repo.category_by_code(conn, tenant_id, category.code) is not None:
            continue
        config_repo.create_category(
            conn,
            tenant_id,
            {
                "code": category.code,
                "name": category.name_ko,
                "name_en": category.name_en,
                "description": f"{category.name_ko} / {category.name_en}",
                "kind": DEFAULT_KIND,
                "department_id": ids[category.department],
                "group_name": category.group,
                "attributes": [],
            },
        )
        added += 1
    return added
