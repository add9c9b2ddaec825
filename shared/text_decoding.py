"""Imported text files (CSV, NDJSON): UTF-8 with or without BOM, or GB18030/GBK (what Excel in China
saves by default), declared by the `charset` of Content-Type or detected; decoded incrementally as the
bytes arrive and handed on as UTF-8, with every line bounded and NUL refused, naming the line.

Detection: a file starts as UTF-8 (UTF-8 with BOM when it starts with one); the first chunk that is
not strict UTF-8 switches it to GB18030 as long as everything before was ASCII (identical in both).
GB18030 is a superset of GBK and GB2312, so one decoder serves all three.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterable, AsyncIterator
from email.message import Message

UTF8, UTF8_BOM, GB18030 = "utf-8", "utf-8-sig", "gb18030"
_DECLARED = {"utf-8": UTF8, "utf8": UTF8, "us-ascii": UTF8, "ascii": UTF8,
             "gb18030": GB18030, "gbk": GB18030, "gb2312": GB18030, "cp936": GB18030, "x-gbk": GB18030}


class TextRejected(ValueError):
    """The file cannot be read as text: 422 naming the line, or 415 for a charset m2c does not read."""

    def __init__(self, message: str, *, line: int | None = None, status: int = 422,
                 title: str = "文件无效") -> None:
        super().__init__(message)
        self.message, self.line, self.status, self.title = message, line, status, title

    @property
    def errors(self) -> list[dict[str, object]]:
        if self.line is None:
            return [{"field": "body", "message": self.message}]
        return [{"field": f"line {self.line}", "line": self.line, "message": self.message}]


def declared_charset(content_type: str | None) -> str | None:
    """The `charset` parameter of a Content-Type header, lower-cased, or None."""
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    charset = msg.get_param("charset")
    return str(charset).strip().lower() if charset else None


def _codec_of(charset: str | None) -> str | None:
    if charset is None:
        return None
    codec = _DECLARED.get(charset)
    if codec is None:
        raise TextRejected(f"不支持字符集 {charset}, 请用 UTF-8 或 GB18030/GBK (charset {charset} is not read: "
                           "send UTF-8 or GB18030/GBK)", status=415,
                           title="不支持的字符集")
    return codec


class LineGuard:
    """Follows the lines of UTF-8 text as it passes: refuses a NUL and a record longer than `max_bytes`.

    With `csv_quotes` a record is a CSV record (a quoted field may span lines; `""` keeps the quote
    parity), so a field is bounded too; otherwise a record is a physical line (NDJSON).
    """

    def __init__(self, max_bytes: int, *, csv_quotes: bool) -> None:
        self.max_bytes, self.csv_quotes = max_bytes, csv_quotes
        self.line = 1  # physical line the next byte belongs to
        self._start, self._length, self._quoted = 1, 0, False

    def _too_long(self, line: int) -> TextRejected:
        limit = self.max_bytes
        return TextRejected(f"第 {line} 行超过 {limit} 字节 (line {line} is longer than {limit} bytes)", line=line)

    def feed(self, data: bytes) -> None:
        nul = data.find(b"\x00")
        if nul >= 0:
            line = self.line + data.count(b"\n", 0, nul)
            raise TextRejected(f"第 {line} 行含 NUL 字节, 文件是 UTF-16 吗? 请另存为 UTF-8 (line {line} contains a "
                               "NUL byte: is the file UTF-16? save it as UTF-8)", line=line)
        parts = data.split(b"\n")
        if not self._quoted and not (self.csv_quotes and b'"' in data):
            self._fast(parts)
            return
        for i, part in enumerate(parts):
            self._length += len(part)
            if self.csv_quotes and part.count(b'"') % 2:
                self._quoted = not self._quoted
            if self._length > self.max_bytes:
                raise self._too_long(self._start)
            if i < len(parts) - 1:
                self.line += 1
                if self._quoted:
                    self._length += 1
                else:
                    self._start, self._length = self.line, 0

    def _fast(self, parts: list[bytes]) -> None:
        """No quote in play: every newline ends a record; one C-speed pass for the longest."""
        first = self._length + len(parts[0])
        if first > self.max_bytes:
            raise self._too_long(self._start)
        if len(parts) == 1:
            self._length = first
            return
        lengths = [len(p) for p in parts[1:]]
        worst = max(lengths)
        if worst > self.max_bytes:
            raise self._too_long(self.line + 1 + lengths.index(worst))
        self.line += len(parts) - 1
        self._start, self._length = self.line, lengths[-1]


class TextDecoder:
    """Bytes of an uploaded file in, UTF-8 out; `encoding` says how it was read (final at `finish`)."""

    def __init__(self, charset: str | None, *, max_line_bytes: int, csv_quotes: bool = True) -> None:
        self.declared = _codec_of(charset)
        self.encoding = self.declared or UTF8
        self._guard = LineGuard(max_line_bytes, csv_quotes=csv_quotes)
        self._decoder = codecs.getincrementaldecoder(self.encoding)()
        self._all_ascii = True  # everything passed on so far: a switch to GB18030 is still possible
        self._head: bytes | None = b""  # until the first bytes are in: a BOM may start them

    def feed(self, data: bytes) -> bytes:
        if self._head is not None:
            self._head += data
            if len(self._head) < len(codecs.BOM_UTF8):
                return b""
            data, self._head = self._without_bom(self._head), None
        return self._pass(data, final=False)

    def finish(self) -> bytes:
        data, self._head = (self._without_bom(self._head) if self._head is not None else b""), None
        return self._pass(data, final=True)

    def _without_bom(self, head: bytes) -> bytes:
        if head.startswith(codecs.BOM_UTF8) and self.encoding == UTF8:
            self.encoding, self._all_ascii = UTF8_BOM, False  # a BOM says UTF-8: no switching
            return head[len(codecs.BOM_UTF8):]
        return head

    def _pass(self, data: bytes, final: bool) -> bytes:
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            if not self.declared and self._all_ascii and self.encoding == UTF8:
                self.encoding, self._decoder = GB18030, codecs.getincrementaldecoder(GB18030)()
                return self._pass(data, final)
            line = self._guard.line + data.count(b"\n", 0, max(exc.start, 0))
            hint = "" if self.declared else "; save the file as UTF-8, or send charset=gbk"
            raise TextRejected(f"第 {line} 行不是 {self.encoding} 编码 (line {line} is not {self.encoding}: "
                               f"{exc.reason}{hint})", line=line) from exc
        self._all_ascii = self._all_ascii and data.isascii()
        out = data if self.encoding in (UTF8, UTF8_BOM) else text.encode("utf-8")
        self._guard.feed(out)
        return out


async def decoded(chunks: AsyncIterable[bytes], decoder: TextDecoder) -> AsyncIterator[bytes]:
    """The UTF-8 chunks of a streamed file, decoded as they arrive."""
    async for chunk in chunks:
        out = decoder.feed(chunk)
        if out:
            yield out
    tail = decoder.finish()
    if tail:
        yield tail


def decode_text(data: bytes, charset: str | None, *, max_line_bytes: int, csv_quotes: bool = True) -> tuple[str, str]:
    """A whole (small) file at once: its text and the encoding it was read in."""
    decoder = TextDecoder(charset, max_line_bytes=max_line_bytes, csv_quotes=csv_quotes)
    out = decoder.feed(data) + decoder.finish()
    return out.decode("utf-8"), decoder.encoding
