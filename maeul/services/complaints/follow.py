"""Following a request ("follow this one instead"): a resident who finds their problem already reported gets
that request's updates by e-mail or SMS and a token to track it, without filing a duplicate."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from maeul.adapters.sql.ids import inserted_id
from maeul.services.complaints import requests_repo as repo
from maeul.services.complaints.handling import HandlingError
from maeul.services.complaints.tables import complaints_followers as F
from maeul.services.complaints.workflow import OPEN, Status

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")
MAX_FOLLOWERS = 500  # per request: enough for a neighbourhood, a bound against abuse


def check_contact(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email is not None and (len(email) > 254 or not EMAIL.match(email)):
        raise HandlingError(f"not an e-mail address: {email}", "전자우편 주소 형식이 올바르지 않습니다")
    if phone is not None and not PHONE.match(phone):
        raise HandlingError(f"not a phone number: {phone}", "전화번호 형식이 올바르지 않습니다 (숫자, 하이픈)")
    return email, phone


def follow(
    conn: Connection, tenant_id: str, request_id: int, *, email: str | None, phone: str | None, now: int
) -> dict[str, Any]:
    """Add a follower to an open request (a merged one: to the request it was merged into); returns the
    follower with its tracking token. Contact details are optional: without them the token still tracks."""
    email, phone = check_contact(email, phone)
    request = repo.get_request(conn, tenant_id, request_id)
    if request["status"] == Status.DUPLICATE.value and request["merged_into"] is not None:
        request = repo.get_request(conn, tenant_id, int(request["merged_into"]))
    if Status(request["status"]) not in OPEN:
        raise HandlingError(
            f"request {request['id']} is finished; report the problem anew if it is back",
            "이미 처리가 끝난 민원입니다. 문제가 다시 생겼다면 새로 신청해 주십시오",
        )
    count = len(conn.execute(select(F.c.id).where(F.c.request_id == request["id"]).limit(MAX_FOLLOWERS)).all())
    if count >= MAX_FOLLOWERS:
        raise HandlingError(
            "this request has as many followers as it may have", "이 민원의 구독자 수가 한도에 찼습니다"
        )
    token = secrets.token_hex(16)
    values = {"tenant_id": tenant_id, "request_id": request["id"], "email": email, "phone": phone, "token": token,
              "created_at": now}  # fmt: skip
    return {"id": inserted_id(conn.execute(insert(F).values(**values))), **values}


def followers(conn: Connection, tenant_id: str, request_id: int) -> list[dict[str, Any]]:
    """The followers to tell about a request: its own and those of the requests merged into it."""
    merged = select(repo.R.c.id).where(repo.R.c.tenant_id == tenant_id, repo.R.c.merged_into == request_id)
    query = (
        select(F.c.id, F.c.email, F.c.phone)
        .where(F.c.tenant_id == tenant_id, or_(F.c.request_id == request_id, F.c.request_id.in_(merged)))
        .order_by(F.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def request_for_token(conn: Connection, tenant_id: str, token: str) -> dict[str, Any] | None:
    """The request a reporter's or a follower's token tracks (a merged one leads to the request it joined)."""
    found = repo.request_by_token(conn, tenant_id, token)
    if found is None:
        followed = conn.execute(select(F.c.request_id).where(F.c.tenant_id == tenant_id, F.c.token == token)).scalar()
        found = repo.get_request(conn, tenant_id, int(followed)) if followed is not None else None
    return found
