"""Message catalogs (Babel): Korean by default, English by choice; compiled in memory from the .po files."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
LANG_COOKIE = "maeul_lang"
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


@cache
def translations(language: str) -> Translations:
    """The catalog of one language, read from ``locale/<lang>/LC_MESSAGES/messages.po`` and compiled in memory."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def request_language(request: Request) -> str:
    """The language chosen by the visitor (cookie, then ``?lang=``), Korean if none."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or DEFAULT_LANGUAGE
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def translate(language: str, message: str) -> str:
    """The message in the language (message catalogs are extracted with the keyword ``translate:2``)."""
    return str(translations(language).ugettext(message))


def pick(language: str, ko: str, en: str) -> str:
    """One of a pair of labels given in both languages (navigation items, service titles)."""
    return ko if language == "ko" else en
