"""Requests' share of the connection pool: one semaphore per engine and kind, sized from the pool."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine

from shared.http.pool_slots import slots


async def test_slots_are_a_share_of_the_pool_per_engine_and_kind() -> None:
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", pool_size=6)  # never connects
    other = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", pool_size=3)
    try:
        units, statements = slots(engine, "units of work", 1.0), slots(engine, "statements", 0.5)
        assert (units._value, statements._value) == (6, 3)
        assert slots(engine, "units of work", 1.0) is units and slots(other, "units of work", 1.0)._value == 3
        assert slots(other, "tiny", 0.1)._value == 1  # never none
    finally:
        await engine.dispose()
        await other.dispose()
