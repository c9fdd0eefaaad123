"""The message catalogs: every message of the shell has a Korean translation; English falls back to the text."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import maeul.web
from maeul.web.i18n import LANGUAGES, LOCALE_DIR, translate

WEB = Path(maeul.web.__file__).parent


def extracted() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "translate": (2,)}
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map=method_map, options_map=options, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_korean() -> None:
    with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    korean = {m.id: m.string for m in catalog if m.id}
    messages = extracted()
    assert len(messages) > 100
    missing = sorted(m for m in messages if not korean.get(m))
    assert not missing, f"messages without Korean: {missing}"


def test_alarm_actions_and_delivery_states_have_korean() -> None:
    from maeul.core.alarms import Action, Severity

    words = [a.value for a in Action] + [s.value for s in Severity]
    words += ["pending", "delivered", "failed", "suppressed", "digested", "ok", "alarm", "stale", "new"]
    assert all(translate("ko", word) != word for word in words), [w for w in words if translate("ko", w) == w]


def test_languages_and_fallback() -> None:
    assert LANGUAGES == ("ko", "en")
    assert translate("ko", "Sign in") == "로그인"
    assert translate("en", "Sign in") == "Sign in"
    assert translate("ko", "a message nobody wrote") == "a message nobody wrote"


def test_placeholders_survive_translation() -> None:
    with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and "%(" in message.id:
            for name in ("%(n)s", "%(name)s", "%(s)s"):
                assert (name in message.id) == (name in message.string), message.id
