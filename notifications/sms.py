"""SMS text for Vietnamese gateways: no diacritics (many reject Unicode), GSM-7, 160 characters."""

from __future__ import annotations

import unicodedata

# GSM 03.38 basic character set (the extension table's characters count double: avoided here).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
SINGLE_PART = 160
PUNCTUATION = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "..."})


def fold(text: str) -> str:
    """Vietnamese to plain ASCII: đ→d and Đ→D (which Unicode decomposition leaves alone), marks dropped."""
    text = text.replace("đ", "d").replace("Đ", "D").translate(PUNCTUATION)
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_ish = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch if ch in GSM7 else "?" for ch in " ".join(ascii_ish.split()))


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7 for ch in text)
