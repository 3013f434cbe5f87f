"""Evidence files as they arrive: streamed into a temporary file beside the store, the size
checked on every chunk, the type by content, the whole file by its ending; kept under their
SHA-256 only once the rest of the submission is valid.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from models.errors import EvidenceRefused, TooLarge

MAX_FILE_BYTES = 20 * 1024 * 1024


CHUNK = 1024 * 1024


HEAD = 8  # bytes needed to tell the accepted types apart


def sniff(head: bytes) -> str | None:
    """The accepted type a file's first bytes show, whatever its name says."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"  # DOCX and XLSX are zip containers: told apart by what they hold
    return None


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The part every DOCX and XLSX holds, by which an office file is told from any other zip.
OFFICE = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}


# The extensions a stored name may end with, by the type found inside; the first replaces any other.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}


EXTENSION = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,5}")  # "pdf", "JPEG", "mp4"; not the "2" of "v1.2"


NAME_CHARS = 200


# How a complete file ends (a source that stopped mid-read leaves none of it). PDF readers look
# for %%EOF in the last 1024 bytes; some writers pad an image after its end marker.
TAIL = 1024


PADDING = b"\x00\t\n\r "


PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk: no data, then its CRC


INCOMPLETE = "tệp bị hỏng hoặc không đầy đủ (có thể đã bị ngắt khi tải lên): xin gửi lại tệp"


# A zip's size, read from its end records before zipfile parses the whole central directory
# (446,113 entries in 20 MB cost 156 MB and 4 s). A DOCX or XLSX has tens to a few hundred parts.
MAX_ZIP_ENTRIES = 2_000


ENTRY_BYTES = (46, 46 + 512)  # a directory record: its fixed part, then a generous name and extra field


END = struct.Struct("<4s4H2LH")  # end of central directory, then a comment of up to 65,535 bytes


END64_LOCATOR = struct.Struct("<4sLQL")  # just before it in a ZIP64 file: where the ZIP64 end record is


END64 = struct.Struct("<4sQ2H2L4Q")


def clean_filename(name: str | None) -> str:
    """The client's name for a file, safe to show and to put in a header: its last path part,
    NFC (Vietnamese typed on a Mac arrives decomposed), without control characters, bounded."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:NAME_CHARS] or "tep-dinh-kem"


def named_for(filename: str, content_type: str) -> str:
    """The name with the extension of what the file is: a PDF sent as bao-cao.html is served as
    bao-cao.pdf, so that whoever downloads it opens it with the right program."""
    stem, _, ext = filename.rpartition(".")
    has_extension = bool(stem) and EXTENSION.fullmatch(ext) is not None
    suffixes = EXTENSIONS[content_type]
    if has_extension and f".{ext.lower()}" in suffixes:
        return filename
    base = stem if has_extension else filename
    return base[: NAME_CHARS - len(suffixes[0])] + suffixes[0]


def complete(content_type: str, tail: bytes) -> bool:
    """Whether a PDF, JPEG or PNG whose last bytes are `tail` ends as a whole file does."""
    if content_type == "application/pdf":
        return b"%%EOF" in tail
    end = tail.rstrip(PADDING)
    return end.endswith(b"\xff\xd9" if content_type == "image/jpeg" else PNG_END)


def zip_directory(path: Path, size: int) -> tuple[int, int] | None:
    """(entries, bytes) of a zip's central directory, from its end records alone (ZIP64 too);
    None when it has no end record ending the file exactly, as a truncated zip has not."""
    with open(path, "rb") as f:
        f.seek(max(0, size - END64_LOCATOR.size - END.size - 0xFFFF))
        tail = f.read()
        at = _end_record_at(tail)
        if at is None:
            return None
        *_, entries, directory_bytes, _, _ = END.unpack_from(tail, at)
        locator = tail[max(0, at - END64_LOCATOR.size) : at]
        if len(locator) < END64_LOCATOR.size or not locator.startswith(b"PK\x06\x07"):
            return entries, directory_bytes
        f.seek(min(END64_LOCATOR.unpack(locator)[2], size))
        record = f.read(END64.size)
    if len(record) < END64.size or not record.startswith(b"PK\x06\x06"):
        return None
    *_, entries, directory_bytes, _ = END64.unpack(record)
    return entries, directory_bytes


def _end_record_at(tail: bytes) -> int | None:
    """Where the end record starts whose comment ends the file, searching back from the end."""
    at = tail.rfind(b"PK\x05\x06")
    while at >= 0:
        if at + END.size <= len(tail) and at + END.size + END.unpack_from(tail, at)[-1] == len(tail):
            return at
        at = tail.rfind(b"PK\x05\x06", 0, at)
    return None


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    filename: str
    content_type: str


class Upload:
    """One file received chunk by chunk into a temporary file beside the evidence store.

    The size limit is checked on every chunk, so nothing larger is ever held or written; the type
    is checked from the first bytes. `keep()` renames it to its SHA-256 after an fsync, so a crash
    leaves no half file under a real name; `discard()` removes it.
    """

    def __init__(self, evidence_dir: Path, filename: str | None, *, max_bytes: int = MAX_FILE_BYTES):
        evidence_dir.mkdir(parents=True, exist_ok=True)
        self.dir, self.filename, self.max_bytes = evidence_dir, clean_filename(filename), max_bytes
        fd, self._tmp = tempfile.mkstemp(dir=evidence_dir, prefix=".upload-")
        self._out = os.fdopen(fd, "wb")
        self._digest, self.size, self._head = hashlib.sha256(), 0, b""
        self.content_type: str | None = None
        self._created: tuple[Path, int] | None = None  # the file keep() brought into the store, its inode

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise TooLarge(f"{self.filename}: lớn hơn {self.max_bytes // (1024 * 1024)} MB")
        if self.content_type is None and len(self._head) < HEAD:
            self._head += chunk[:HEAD]
            if len(self._head) >= HEAD:
                self._check_type()
        self._digest.update(chunk)
        self._out.write(chunk)

    def _check_type(self) -> str:
        self.content_type = sniff(self._head)
        if self.content_type is None:
            raise EvidenceRefused(f"{self.filename}: không phải tệp PDF, DOCX, XLSX, JPG hay PNG (theo nội dung tệp)")
        return self.content_type

    def finish(self) -> Upload:
        """The whole file is in: check what could not be checked chunk by chunk, flush to disk."""
        kind = self.content_type or self._check_type()  # a file shorter than HEAD bytes is checked now
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        if kind == "application/zip":
            kind = self.content_type = self._office_type()
        elif not complete(kind, self._tail()):
            raise self._incomplete()
        self.filename = named_for(self.filename, kind)
        return self

    def _tail(self) -> bytes:
        with open(self._tmp, "rb") as f:
            f.seek(max(0, self.size - TAIL))
            return f.read()

    def _incomplete(self) -> EvidenceRefused:
        return EvidenceRefused(f"{self.filename}: {INCOMPLETE}")

    def _office_type(self) -> str:
        names = self._zip_names()
        for part, kind in OFFICE.items():
            if part in names:
                return kind
        raise EvidenceRefused(f"{self.filename}: tệp nén không phải văn bản DOCX hay bảng tính XLSX")

    def _zip_names(self) -> set[str]:
        """The names in a zip whose end records show a directory an office file could have, and
        which zipfile then reads whole: entry for entry what the end record announced."""
        found = zip_directory(Path(self._tmp), self.size)
        if found is None:
            raise self._incomplete()
        entries, directory_bytes = found
        if entries > MAX_ZIP_ENTRIES:
            raise EvidenceRefused(
                f"{self.filename}: tệp nén có {entries} mục, quá nhiều cho một văn bản DOCX hay "
                f"bảng tính XLSX (tối đa {MAX_ZIP_ENTRIES})"
            )
        if not entries * ENTRY_BYTES[0] <= directory_bytes <= min(entries * ENTRY_BYTES[1], self.size):
            raise self._incomplete()  # a directory larger than its entries need: they were not counted
        try:
            with zipfile.ZipFile(self._tmp) as z:
                infos = z.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
            raise self._incomplete() from None
        if len(infos) != entries:
            raise self._incomplete()
        return {i.filename for i in infos}

    def keep(self) -> StoredFile:
        sha = self._digest.hexdigest()
        target = self.dir / sha
        existed = target.exists()
        os.replace(self._tmp, target)  # the same content twice is one file
        # Only a file this upload brought may be taken back: one already there is an earlier row's.
        self._created = None if existed else (target, target.stat().st_ino)
        assert self.content_type is not None, "keep() after finish()"
        return StoredFile(sha, self.size, self.filename, self.content_type)

    def take_back(self) -> None:
        """Remove the file keep() brought into the store, its rows rolled back; not if the same
        bytes were stored again since (another inode), for a concurrent submission's row."""
        created, self._created = self._created, None
        if created is None:
            return
        path, inode = created
        try:
            if path.stat().st_ino == inode:
                path.unlink()
        except FileNotFoundError:
            pass

    def discard(self) -> None:
        self._out.close()
        Path(self._tmp).unlink(missing_ok=True)


def remove_stale_uploads(evidence_dir: Path, *, older_than_s: float = 24 * 3600) -> int:
    """Temporary files a crash left mid-upload (never under a real name): removed at start-up."""
    if not evidence_dir.exists():
        return 0
    cutoff, removed = time.time() - older_than_s, 0
    for tmp in evidence_dir.glob(".upload-*"):
        if tmp.stat().st_mtime < cutoff:
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def receive_file(source: Path, evidence_dir: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Upload:
    """An Upload of a local file (the CLI's door), checked as the portal checks a request's."""
    upload = Upload(evidence_dir, source.name, max_bytes=max_bytes)
    try:
        with open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                upload.write(chunk)
        return upload.finish()
    except BaseException:
        upload.discard()
        raise
