"""SMS through a configurable HTTP gateway (URL, method, auth header, JSON or form body template).

Text rule (Korean carriers count bytes as in EUC-KR: ASCII 1 byte, every other character 2 bytes):

1. Language: English if the recipient prefers English, otherwise Korean; if that text is empty, the other.
2. Text: ``subject`` and ``body`` of that language on two lines (only one if the body starts with the subject),
   runs of spaces collapsed.
3. Up to 90 bytes it goes as SMS. Longer text goes as LMS, cut to 2000 bytes; with ``allow_lms = false``
   it is cut to 90 bytes instead. A cut never splits a character, prefers a word boundary near the end,
   and ends with "…" (2 bytes, counted).

Placeholders in the template and the URL: ``{to}``, ``{text}``, ``{id}`` and also ``{kind}`` (``SMS`` or
``LMS``) and ``{subject}`` (LMS title, cut to 40 bytes); header values may use ``{to}``, ``{id}``, ``{kind}``.
Values are substituted into the parsed template (JSON-escaped or form-encoded by the serializer,
URL-encoded in the URL), never by string formatting. Gateways that answer HTTP 200 with an error code
can be checked with ``success_field`` (a dotted path into the JSON response) and ``success_values``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

import httpx
import orjson
from pydantic import Field, SecretStr, field_validator, model_validator

from maeul.adapters.notify import _http
from maeul.adapters.notify._config import ConfigModel, check_headers, check_http_url
from maeul.adapters.notify.message import INVALID_RECIPIENT, REJECTED, DeliveryResult, Notification

SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
LMS_SUBJECT_MAX_BYTES = 40
ELLIPSIS = "…"
PLACEHOLDERS = ("to", "text", "id", "kind", "subject")
HEADER_PLACEHOLDERS = ("to", "id", "kind")  # single-line ASCII values only
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PHONE_STRIP_RE = re.compile(r"[\s().-]")
_PHONE_RE = re.compile(r"\+?[0-9]{7,15}")


def sms_bytes(text: str) -> int:
    """Length as Korean carriers count it: 1 byte per ASCII character, 2 for any other (EUC-KR)."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def truncate(text: str, max_bytes: int) -> str:
    """``text`` if it fits ``max_bytes``; else a prefix ending in "…" that fits, cut at a space if one is near."""
    if sms_bytes(text) <= max_bytes:
        return text
    budget = max_bytes - sms_bytes(ELLIPSIS)
    used, end = 0, 0
    for i, ch in enumerate(text):
        size = 1 if ord(ch) < 0x80 else 2
        if used + size > budget:
            break
        used += size
        end = i + 1
    cut = text[:end]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= max(1, end - 10):  # a word boundary within the last 10 characters
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def compose(n: Notification, *, allow_lms: bool = True) -> tuple[str, str, str]:
    """``(kind, subject, text)`` for ``n`` following the module's text rule."""
    language = "en" if n.language == "en" else "ko"
    subject, body = (n.subject_en, n.body_en) if language == "en" else (n.subject_ko, n.body_ko)
    if not (subject or body):
        subject, body = (n.subject_ko, n.body_ko) if language == "en" else (n.subject_en, n.body_en)
    subject, body = _clean(subject), _clean(body)
    text = body if (not subject or body.startswith(subject)) else f"{subject}\n{body}".strip()
    if sms_bytes(text) <= SMS_MAX_BYTES:
        kind = "SMS"
    elif allow_lms:
        kind, text = "LMS", truncate(text, LMS_MAX_BYTES)
    else:
        kind, text = "SMS", truncate(text, SMS_MAX_BYTES)
    return kind, truncate(subject or text.split("\n", 1)[0], LMS_SUBJECT_MAX_BYTES), text


def _clean(text: str) -> str:
    lines = [re.sub(r"[ \t\u3000]+", " ", line).strip() for line in text.strip().splitlines()]
    return "\n".join(lines)


def normalize_phone(number: str, style: Literal["national", "e164"], country_code: str) -> str:
    """Digits only: ``01012345678`` (national) or ``+821012345678`` (e164); ValueError if not a number."""
    raw = _PHONE_STRIP_RE.sub("", number)
    if not _PHONE_RE.fullmatch(raw):
        raise ValueError(f"{number!r} is not a phone number")
    if style == "e164":
        if raw.startswith("+"):
            return raw
        if raw.startswith("00"):
            return "+" + raw[2:]
        return f"+{country_code}{raw.removeprefix('0')}"
    if raw.startswith("+" + country_code):
        return "0" + raw[1 + len(country_code) :]
    return raw


class SmsConfig(ConfigModel):
    """The gateway request. ``body_template`` is a JSON object (``body_format = "json"``) or a table of
    form fields (``"form"``); with ``method = "GET"`` put the placeholders in the URL instead."""

    url: str
    method: Literal["POST", "PUT", "GET"] = "POST"
    auth_header: SecretStr | None = Field(default=None, description="Value of the auth header, e.g. 'Bearer ...'.")
    auth_header_name: str = "Authorization"
    headers: dict[str, str] = Field(default_factory=dict)
    body_format: Literal["json", "form"] = "json"
    body_template: dict[str, Any] = Field(default_factory=dict)
    allow_lms: bool = True
    phone_format: Literal["national", "e164"] = "national"
    country_code: str = Field(default="82", pattern=r"^[0-9]{1,3}$")
    success_field: str | None = None
    success_values: list[Any] | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=60)
    proxy: str | None = Field(default=None, description="http://host:port of an outbound proxy, if required.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        check_http_url(value.replace("{", "").replace("}", ""))
        _check_placeholders(value, "url")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, header in value.items():
            _check_placeholders(header, f"header {name}", HEADER_PLACEHOLDERS)
        return check_headers(value)

    @field_validator("body_template")
    @classmethod
    def _template(cls, value: dict[str, Any]) -> dict[str, Any]:
        _walk(value, lambda text: _check_placeholders(text, "body_template"))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SmsConfig:
        check_headers({self.auth_header_name: ""})
        if self.body_format == "form" and any(isinstance(v, dict | list) for v in self.body_template.values()):
            raise ValueError("a form body_template holds only plain values (no nested tables or lists)")
        if self.method == "GET" and self.body_template:
            raise ValueError("method GET sends no body: put the placeholders in the url")
        if not self.body_template and self.method != "GET":
            raise ValueError("body_template is required (e.g. {to = '{to}', text = '{text}'})")
        if (self.success_field is None) != (self.success_values is None):
            raise ValueError("success_field and success_values go together")
        return self


def _check_placeholders(text: str, where: str, allowed: tuple[str, ...] = PLACEHOLDERS) -> str:
    unknown = sorted({m for m in _PLACEHOLDER_RE.findall(text) if m not in allowed})
    if unknown:
        known = ", ".join("{" + p + "}" for p in allowed)
        raise ValueError(f"{where}: unknown placeholder(s) {', '.join(unknown)} (known: {known})")
    return text


def _walk(value: Any, on_text: Callable[[str], Any]) -> Any:
    if isinstance(value, str):
        return on_text(value)
    if isinstance(value, dict):
        return {k: _walk(v, on_text) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, on_text) for v in value]
    return value


def substitute(text: str, values: dict[str, str], escape: Callable[[str], str] = str) -> str:
    """Replace each known ``{name}`` in ``text`` by ``escape(values[name])`` (one pass, no format())."""
    return _PLACEHOLDER_RE.sub(lambda m: escape(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def render_template(template: Any, values: dict[str, str]) -> Any:
    """The body template with placeholders substituted in every string (keys stay as written)."""
    return _walk(template, lambda text: substitute(text, values))


class SmsChannel:
    """Sends one gateway request per notification; the notification id travels as ``{id}``."""

    name = "sms"

    def __init__(self, config: SmsConfig, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self._client = client or _http.make_client(config.timeout_s, config.connect_timeout_s, config.proxy)

    def values(self, n: Notification) -> dict[str, str]:
        """The placeholder values for ``n`` (ValueError for an unusable phone number)."""
        to = normalize_phone(n.recipient, self.config.phone_format, self.config.country_code)
        kind, subject, text = compose(n, allow_lms=self.config.allow_lms)
        return {"to": to, "text": text, "id": n.id, "kind": kind, "subject": subject}

    def deliver(self, n: Notification) -> DeliveryResult:
        cfg = self.config
        try:
            values = self.values(n)
        except ValueError as exc:
            return DeliveryResult.permanent(INVALID_RECIPIENT, str(exc))
        url = substitute(cfg.url, values, lambda v: quote(v, safe=""))
        headers = {name: substitute(value, values) for name, value in cfg.headers.items()}
        headers.setdefault("Idempotency-Key", n.id)
        if cfg.auth_header is not None:
            headers[cfg.auth_header_name] = cfg.auth_header.get_secret_value()
        kwargs: dict[str, Any] = {"headers": headers}
        if cfg.method != "GET":
            body = render_template(cfg.body_template, values)
            if cfg.body_format == "json":
                kwargs["content"] = orjson.dumps(body)
                headers["Content-Type"] = "application/json"
            else:
                kwargs["data"] = {k: "" if v is None else str(v) for k, v in body.items()}
        response = _http.send(self._client, cfg.method, url, **kwargs)
        if isinstance(response, DeliveryResult):
            return response
        result = _http.classify(response)
        detail = {"kind": values["kind"], "bytes": sms_bytes(values["text"])}
        result.detail.update(detail)
        if result.ok and cfg.success_field is not None and cfg.success_values is not None:
            found = _lookup(response, cfg.success_field)
            if found not in cfg.success_values:
                return DeliveryResult.permanent(
                    REJECTED,
                    f"gateway answered {cfg.success_field}={found!r}",
                    response=_http.snippet(response),
                    **result.detail,
                )
        return result

    def close(self) -> None:
        self._client.close()


def _lookup(response: httpx.Response, path: str) -> Any:
    try:
        value: Any = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
