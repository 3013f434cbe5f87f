"""Reading a form from a request stream with every limit enforced as the bytes arrive.

Starlette's own `request.form()` bounds no file part and spools files to /tmp before anyone can
look at them. Here, file parts stream straight into `Upload`s beside the evidence store (size and
type checked on each chunk); text fields and the number of parts are bounded; a urlencoded body
is bounded as a whole. Nothing depends on Content-Length, so a chunked upload is held to the same
limits. Whatever goes wrong, the caller gets a `ErrorPage` with the HTTP status to answer and
no file is left behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from models.errors import EvidenceRefused, TooLarge
from models.intake.uploads import Upload
from portal.errors import ErrorPage

MAX_FIELD_BYTES = 20_000  # a note of several pages
MAX_FIELDS = 60
MAX_URLENCODED_BYTES = 64 * 1024
HANDOVER = 1024 * 1024  # bytes of a body passed to the parser at once: the memory a request holds
DRAIN_LIMIT = 128 * 1024 * 1024  # read (and drop) at most this much more to answer 413 cleanly


@dataclass
class ReceivedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def discard(self) -> None:
        for upload in self.files:
            upload.discard()


class _Multipart:
    """python-multipart callbacks building a ReceivedForm. Runs in a worker thread: it writes files."""

    def __init__(self, evidence_dir: Path, max_file_bytes: int, max_files: int, file_fields: set[str]):
        self.form = ReceivedForm()
        self.evidence_dir, self.max_file_bytes, self.max_files = evidence_dir, max_file_bytes, max_files
        self.file_fields = file_fields
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name: str | None = None
        self._upload: Upload | None = None
        self._value = bytearray()
        self._parts = 0

    def on_part_begin(self) -> None:
        self._disposition, self._upload, self._value = b"", None, bytearray()
        self._parts += 1
        if self._parts > MAX_FIELDS + self.max_files:
            raise ErrorPage("Biểu mẫu có quá nhiều phần.", 413)

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise ErrorPage("Biểu mẫu không hợp lệ.", 400)
        self._name = name.decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename == b"":
            self._name = None  # a file input left blank: the browser sends an empty part; ignored
        elif filename is not None:
            if self._name not in self.file_fields:
                raise ErrorPage("Biểu mẫu không nhận tệp ở trường này.", 400)
            if len(self.form.files) >= self.max_files:
                raise ErrorPage(f"Mỗi lần nộp tối đa {self.max_files} tệp.", 413)
            self._upload = Upload(self.evidence_dir, filename.decode("utf-8", "replace"), max_bytes=self.max_file_bytes)
            self.form.files.append(self._upload)  # from now on, discard() removes it

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._upload is not None:
            self._upload.write(data[start:end])
            return
        if self._name is None:
            return
        self._value += data[start:end]
        if len(self._value) > MAX_FIELD_BYTES:
            raise ErrorPage("Một trường của biểu mẫu quá dài.", 413)

    def on_part_end(self) -> None:
        if self._upload is not None:
            self._upload.finish()
        elif self._name is not None:
            try:
                self.form.fields[self._name] = self._value.decode("utf-8")
            except UnicodeDecodeError:
                raise ErrorPage("Biểu mẫu phải được gửi bằng UTF-8.", 400) from None


async def read_form(
    stream: AsyncIterator[bytes],
    content_type: str,
    *,
    evidence_dir: Path,
    max_file_bytes: int,
    max_files: int,
    file_fields: set[str] = frozenset(),
) -> ReceivedForm:
    """The form in a request body, or ErrorPage (400, 413, 415, 422), leaving no file behind."""
    kind, options = parse_options_header(content_type or "")
    if kind == b"application/x-www-form-urlencoded":
        return await _read_urlencoded(stream)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise ErrorPage("Biểu mẫu phải gửi dạng multipart/form-data.", 415)
    handler = _Multipart(evidence_dir, max_file_bytes, max_files, set(file_fields))
    callbacks = {
        name: getattr(handler, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(options[b"boundary"], callbacks)  # type: ignore[arg-type]

    def write(chunks: list[bytes]) -> None:
        parser.write(b"".join(chunks))

    try:
        # The server hands over the body some 64 KB at a time; each trip to a worker thread (so
        # that file writes stay off the event loop) costs about 65 µs of CPU: up to HANDOVER
        # bytes go at once, a few trips for a 5 MB file instead of eighty.
        chunks: list[bytes] = []
        held = 0
        async for chunk in stream:
            chunks.append(chunk)
            held += len(chunk)
            if held >= HANDOVER:
                await run_in_threadpool(write, chunks)
                chunks, held = [], 0
        await run_in_threadpool(write, chunks)
        await run_in_threadpool(parser.finalize)
        if handler._parts == 0:
            raise ErrorPage("Biểu mẫu trống.", 400)
    except BaseException as exc:
        handler.form.discard()
        if isinstance(exc, Exception):
            await _drain(stream)  # so that the client, still sending, reads our answer
        if isinstance(exc, TooLarge):
            raise ErrorPage(str(exc), 413) from None
        if isinstance(exc, EvidenceRefused):
            raise ErrorPage(str(exc), 422) from None
        if isinstance(exc, (FormParserError, ValueError)):
            raise ErrorPage("Biểu mẫu không hợp lệ.", 400) from None
        raise
    return handler.form


async def _read_urlencoded(stream: AsyncIterator[bytes]) -> ReceivedForm:
    body = bytearray()
    async for chunk in stream:
        body += chunk
        if len(body) > MAX_URLENCODED_BYTES:
            await _drain(stream)
            raise ErrorPage("Biểu mẫu quá lớn.", 413)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise ErrorPage("Biểu mẫu không hợp lệ.", 400) from None
    return ReceivedForm(fields=dict(pairs))


async def _drain(stream: AsyncIterator[bytes]) -> None:
    """Read what the client is still sending, so that it reads our 413 instead of a reset
    connection; up to a bound, past which the server closes the connection."""
    drained = 0
    try:
        async for chunk in stream:
            drained += len(chunk)
            if drained > DRAIN_LIMIT:
                return
    except Exception:  # the stream may be consumed or the client gone: nothing more to read
        return
