"""Korean text to the features the models use: normalised text and its content morphemes (kiwipiepy).

Content words are nouns (general, proper, numerals' nouns), verb and adjective stems, roots and foreign words;
particles, endings and punctuation are dropped. One Kiwi analyser per process, built on first use (it takes
a few seconds and ~100 MB), shared behind a lock.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

CONTENT_TAGS = frozenset({"NNG", "NNP", "NNB", "VV", "VA", "XR", "SL", "SH", "MAG"})
STEM_TAGS = frozenset({"VV", "VA"})
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"(.)\1{2,}")
_lock = threading.Lock()
_kiwi: Kiwi | None = None


def normalise(text: str) -> str:
    """NFKC (but Hangul compatibility jamo such as ㅠ kept), lower case, runs of one character cut to two
    (ㅠㅠㅠㅠ, !!!!), whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(c if "\u3131" <= c <= "\u318e" else unicodedata.normalize("NFKC", c) for c in text).lower()
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def _analyser() -> Kiwi:
    global _kiwi
    if _kiwi is None:
        from kiwipiepy import Kiwi

        with warnings.catch_warnings():  # 0 = one thread, no pool (kiwipiepy warns the meaning changed in 0.21)
            warnings.simplefilter("ignore", DeprecationWarning)
            _kiwi = Kiwi(num_workers=0)
    return _kiwi


@lru_cache(maxsize=50_000)
def content_morphemes(text: str) -> tuple[str, ...]:
    """The content morphemes of ``text`` in order; verb and adjective stems end in ``다`` (``생기다``)."""
    clean = normalise(text)
    if not clean:
        return ()
    with _lock:
        tokens = _analyser().tokenize(clean)
    out: list[str] = []
    for token in tokens:
        tag = str(token.tag).split("-")[0]
        if tag not in CONTENT_TAGS:
            continue
        form = token.form.lower()
        out.append(form + "다" if tag in STEM_TAGS else form)
    return tuple(out)


def morpheme_ngrams(text: str) -> list[str]:
    """Content morphemes and their adjacent pairs: the word features of the TF-IDF (a picklable analyser)."""
    words = content_morphemes(text)
    return list(words) + [f"{a} {b}" for a, b in itertools.pairwise(words)]
