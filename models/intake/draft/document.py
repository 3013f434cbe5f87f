"""Read a plan's document (.txt, .docx, .pdf) into lines of text. The only I/O of the drafting.

Every reader gives lines in reading order; the structure is found afterwards (structure.py), so a
document's line wrapping (a .txt copied from a web page, a PDF's layout) and a .docx's paragraphs
are read the same way. A .docx list item becomes a line starting "- ": Word keeps the bullet in
the numbering, not in the text, and the plan's bullets are its duties.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.errors import Refused

SUFFIXES = (".txt", ".docx", ".pdf")


class DocumentRefused(Refused):
    """A document that cannot be read as a plan's text; the message says why and what to do."""


def read_document(path: Path) -> list[str]:
    """The document's lines (stripped, empty ones dropped). Raises DocumentRefused."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentRefused(
            f"{path}: không đọc được tệp đuôi “{path.suffix or '(không có đuôi)'}”. "
            "Hãy cung cấp kế hoạch dạng .docx, .pdf (có lớp chữ) hoặc .txt (UTF-8)."
        )
    if not path.is_file():
        raise DocumentRefused(f"{path}: không có tệp này.")
    if suffix == ".txt":
        lines = _txt(path)
    elif suffix == ".docx":
        lines = _docx(path)
    else:
        lines = _pdf(path)
    out = [" ".join(line.split()) for line in lines]
    return [line for line in out if line]


def _txt(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DocumentRefused(
            f"{path}: tệp .txt không phải mã UTF-8 ({exc.reason}). Hãy lưu lại tệp với mã UTF-8."
        ) from exc


def _docx(path: Path) -> list[str]:
    import docx  # python-docx: imported here, only `plan draft` needs it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        raise DocumentRefused(f"{path}: không mở được tệp .docx ({exc}).") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text
        if _is_list_item(paragraph) and text.strip() and not text.lstrip().startswith(("-", "–", "•")):
            text = "- " + text.strip()
        # A soft line break inside a paragraph is a wrapped line, as in a .txt copy.
        lines.extend(text.splitlines())
    return lines


def _is_list_item(paragraph: Any) -> bool:  # a python-docx Paragraph
    style = paragraph.style.name if paragraph.style is not None else ""
    if style.startswith("List Bullet"):
        return True
    ppr = paragraph._p.pPr  # a bullet from direct numbering, not a style
    return ppr is not None and ppr.numPr is not None and not style.startswith("List Number")


def _pdf(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise DocumentRefused(f"{path}: không đọc được tệp PDF ({exc}).") from exc
    if not "".join(pages).strip():
        raise DocumentRefused(
            f"{path}: tệp PDF không có lớp chữ (có lẽ là bản quét, chỉ có hình ảnh), nên không đọc được nội "
            "dung. Hãy nhận dạng chữ (OCR) cho tệp rồi chạy lại, hoặc cung cấp bản .docx của kế hoạch."
        )
    return [line for page in pages for line in page.splitlines()]
