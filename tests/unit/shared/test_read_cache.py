"""The per-process body cache of large reads: bounded, least recently used dropped first."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from shared.http.read_cache import BodyCache, etag_of, json_bytes


def test_the_cache_keeps_the_most_recently_used_bodies() -> None:
    cache = BodyCache(max_bodies=2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # a is now the most recent
    cache.put("c", b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    assert len(cache) == 2 and (cache.hits, cache.misses) == (3, 1)


def test_bodies_are_compact_utf8_json() -> None:
    body = json_bytes({"unit": "清远", "at": datetime(2026, 10, 1, 2, 0, tzinfo=UTC),
                       "id": UUID(int=1), "score": 75.0, "rank": None})
    assert body == ('{"unit":"清远","at":"2026-10-01T02:00:00Z","id":"00000000-0000-0000-0000-000000000001",'
                    '"score":75.0,"rank":null}').encode()


def test_each_body_has_a_strong_etag_of_its_bytes() -> None:
    cache = BodyCache()
    tag = cache.put("a", b'{"x":1}')
    assert tag == etag_of(b'{"x":1}') and tag.startswith('"') and tag.endswith('"')
    assert cache.lookup("a") == (b'{"x":1}', tag) and etag_of(b'{"x":2}') != tag
