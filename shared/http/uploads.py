"""Uploaded text files (CSV, NDJSON) as routes read them: decoded by shared/text_decoding.py with
the configured line limit, streamed, and telling which encoding they were read in."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request

from shared.http.limits import too_large
from shared.text_decoding import TextDecoder, declared_charset, decode_text, decoded


def upload_decoder(request: Request, *, csv: bool = True) -> TextDecoder:
    """A decoder for this request's body (415 for a charset m2c does not read); `encoding` after use."""
    return TextDecoder(declared_charset(request.headers.get("content-type")), csv_quotes=csv,
                       max_line_bytes=request.app.state.runtime.settings.import_max_line_bytes)


def decoded_body(request: Request, decoder: TextDecoder) -> AsyncIterator[bytes]:
    """The body as UTF-8 chunks, decoded as they arrive."""
    return decoded(request.stream(), decoder)


def decode_small_body(request: Request, raw: bytes) -> tuple[str, str]:
    """A body already read whole (a small file): its text and its encoding."""
    return decode_text(raw, declared_charset(request.headers.get("content-type")),
                       max_line_bytes=request.app.state.runtime.settings.import_max_line_bytes)


async def read_bounded(request: Request, limit: int, what: str) -> bytes:
    """The whole body of a small upload, refused with 413 as soon as it passes `limit` (not after)."""
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit, what)
        parts.append(chunk)
    return b"".join(parts)
