"""Text helpers shared by the drafting modules: normalising Vietnamese for comparison, words with
their place in the original, slugs. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Old-style tone placement ("uỷ", "hoá") and new-style ("ủy", "hóa") are the same word: documents
# mix them, and so do the catalogs, so both are brought to the new style before comparing.
_OLD_TONES = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oè": "òe",
    "oé": "óe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uỳ": "ùy",
    "uý": "úy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
_OLD_TONE_RE = re.compile("|".join(_OLD_TONES))
_WORD_RE = re.compile(r"\w+(?:[&/]\w+)*")


def squash(text: str) -> str:
    """Whitespace collapsed to single spaces: how the catalog compares verbatim texts."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """For comparing names: NFC, lower case, new-style tones, punctuation and spaces collapsed."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = _OLD_TONE_RE.sub(lambda m: _OLD_TONES[m.group(0)], text)
    return " ".join(_WORD_RE.findall(text))


@dataclass(frozen=True)
class Word:
    folded: str
    start: int  # its span in the original text
    end: int


def words(text: str) -> list[Word]:
    """The words of `text`, folded, each with its span in `text` (to quote the original)."""
    text = unicodedata.normalize("NFC", text)
    return [Word(fold(m.group(0)), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def ascii_slug(text: str, max_length: int = 40) -> str:
    """A catalog code from words: no diacritics, lower case, dashes, cut at a word boundary."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    parts = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for part in parts:
        candidate = f"{slug}-{part}" if slug else part
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or "x"


def starts_upper(text: str) -> bool:
    """Starts with a capital letter, a digit or an opening quote: how a paragraph or a name starts."""
    text = text.lstrip()
    return bool(text) and (text[0].isupper() or text[0].isdigit() or text[0] in "“\"'(")
