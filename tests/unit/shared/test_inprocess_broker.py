from __future__ import annotations

from shared.messaging.inprocess import InProcessBroker
from shared.messaging.message import OutboundMessage


async def test_groups_read_independently_and_resume_after_commit() -> None:
    broker = InProcessBroker()
    await broker.publish([OutboundMessage("t", "k", f"m{i}".encode()) for i in range(3)])
    a, b = broker.source("a", ["t"]), broker.source("b", ["t"])

    first = await a.fetch(0.01)
    assert [m.value for m in first] == [b"m0", b"m1", b"m2"]
    await a.commit(first[:2])
    assert [m.value for m in await a.fetch(0.01)] == [b"m2"]  # uncommitted: delivered again
    assert len(await b.fetch(0.01)) == 3
    await a.commit(first)
    assert await a.fetch(0.01) == []
