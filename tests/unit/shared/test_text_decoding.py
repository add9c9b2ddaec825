"""The import decoder: encodings declared or detected, chunk boundaries anywhere, lines bounded."""

from __future__ import annotations

import pytest

from shared.text_decoding import GB18030, UTF8, UTF8_BOM, TextDecoder, TextRejected, declared_charset, decode_text

CSV = "单位,名称,备注\nQY-QC-01,石角供电所,\"含,逗号\"\nQY-QC-02,龙塘供电所,𠀀\n"
GBK_CSV = CSV.replace("𠀀", "")  # 𠀀 is outside GBK (GB18030 has it)


def _stream(data: bytes, size: int, charset: str | None = None, max_line: int = 1000, csv: bool = True):
    decoder = TextDecoder(charset, max_line_bytes=max_line, csv_quotes=csv)
    out = b"".join(decoder.feed(data[i:i + size]) for i in range(0, len(data), size)) + decoder.finish()
    return out.decode("utf-8"), decoder.encoding


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1 << 16])
@pytest.mark.parametrize(("raw", "charset", "encoding", "expected"), [
    (CSV.encode(), None, UTF8, CSV),
    ("\ufeff".encode() + CSV.encode(), None, UTF8_BOM, CSV),
    ("\ufeff".encode() + CSV.encode(), "utf-8", UTF8_BOM, CSV),
    (CSV.encode("gb18030"), None, GB18030, CSV),
    (CSV.encode("gb18030"), "gb18030", GB18030, CSV),
    (GBK_CSV.encode("gbk"), "gbk", GB18030, GBK_CSV),
    (GBK_CSV.encode("gbk"), None, GB18030, GBK_CSV),
])
def test_any_chunking_gives_the_same_text(raw: bytes, charset: str | None, encoding: str, expected: str,
                                          size: int) -> None:
    assert _stream(raw, size, charset) == (expected, encoding)


def test_detection_switches_only_while_everything_was_ascii() -> None:
    ascii_head = b"unit,name\n" * 10
    assert _stream(ascii_head + "石角".encode("gbk") + b"\n", 10) == ((ascii_head.decode() + "石角\n"), GB18030)
    with pytest.raises(TextRejected) as caught:
        _stream("中文\n".encode() + "石角\n".encode("gbk"), 7)
    assert caught.value.line == 2 and caught.value.status == 422


def test_declared_utf8_is_not_second_guessed() -> None:
    with pytest.raises(TextRejected) as caught:
        _stream(b"a\nb\n" + "石角".encode("gbk"), 100, "utf-8")
    assert caught.value.line == 3


@pytest.mark.parametrize(("header", "charset"), [
    ("text/csv; charset=GBK", "gbk"), ('text/csv; charset="utf-8"', "utf-8"), ("text/csv", None), (None, None),
])
def test_declared_charset(header: str | None, charset: str | None) -> None:
    assert declared_charset(header) == charset


def test_an_unknown_charset_is_415() -> None:
    with pytest.raises(TextRejected) as caught:
        TextDecoder("latin-1", max_line_bytes=10)
    assert caught.value.status == 415


@pytest.mark.parametrize("size", [1, 5, 1 << 16])
def test_line_limits_name_the_line_across_chunks(size: int) -> None:
    body = b"a,b\n" + b"1,2\n" * 5 + b"x" * 50 + b"\n"
    with pytest.raises(TextRejected) as caught:
        _stream(body, size, max_line=40)
    assert caught.value.line == 7
    assert _stream(b"x" * 40 + b"\n" + b"y" * 40, size, max_line=40)[0].count("\n") == 1


@pytest.mark.parametrize("size", [1, 3, 1 << 16])
def test_a_quoted_field_over_lines_counts_as_one_record(size: int) -> None:
    long_field = b'a,b\n1,"' + b"line\n" * 20 + b'"\n2,3\n'
    with pytest.raises(TextRejected) as caught:
        _stream(long_field, size, max_line=50)
    assert caught.value.line == 2
    escaped = b'a,b\n1,"he said ""hi""\nthere"\n' + b"2,3\n" * 10
    assert _stream(escaped, size, max_line=50)[0].endswith("2,3\n")
    # NDJSON: quotes are JSON's (\" escapes), lines are records
    assert _stream(b'{"a": "\\"x"}\n' * 5, size, max_line=20, csv=False)[0].count("\n") == 5


def test_nul_is_refused_naming_its_line() -> None:
    with pytest.raises(TextRejected) as caught:
        decode_text(b"a\nb\nc\x00\n", None, max_line_bytes=100)
    assert caught.value.line == 3
    utf16 = "a,b\n".encode("utf-16")
    with pytest.raises(TextRejected):
        decode_text(utf16, None, max_line_bytes=100)


def test_a_truncated_character_at_the_end_names_the_last_line() -> None:
    with pytest.raises(TextRejected) as caught:
        decode_text(b"a\n" + "中".encode()[:2], "utf-8", max_line_bytes=100)
    assert caught.value.line == 2
