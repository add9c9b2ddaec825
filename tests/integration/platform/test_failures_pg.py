"""Real PostgreSQL errors through SQLAlchemy, classified: lost races are transient, bugs are not."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db import make_engine
from shared.messaging.failures import is_transient, is_unavailable, sqlstate


async def _raised(awaitable) -> BaseException:
    try:
        await awaitable
    except Exception as exc:  # noqa: BLE001 - the exception is the result
        return exc
    raise AssertionError("nothing was raised")


async def test_serialization_failure_deadlock_and_bugs_from_a_real_server(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE race (id int PRIMARY KEY, n int)"))
            await conn.execute(text("INSERT INTO race VALUES (1, 0), (2, 0)"))

        # Serialization failure: two serializable transactions update the same row.
        async with engine.connect() as a, engine.connect() as b:
            for c in (a, b):
                await c.execution_options(isolation_level="SERIALIZABLE")
                await c.begin()
                await c.execute(text("SELECT n FROM race WHERE id = 1"))
            await a.execute(text("UPDATE race SET n = n + 1 WHERE id = 1"))
            await a.commit()
            serialization = await _raised(b.execute(text("UPDATE race SET n = n + 1 WHERE id = 1")))

        # Deadlock: each holds one row and wants the other's.
        async def lock(c: AsyncConnection, first: int, second: int, ready: asyncio.Event, go: asyncio.Event):
            async with c.begin():
                await c.execute(text("UPDATE race SET n = n + 1 WHERE id = :id"), {"id": first})
                ready.set()
                await go.wait()
                await c.execute(text("UPDATE race SET n = n + 1 WHERE id = :id"), {"id": second})

        async with engine.connect() as a, engine.connect() as b:
            ra, rb, go = asyncio.Event(), asyncio.Event(), asyncio.Event()
            ta = asyncio.create_task(lock(a, 1, 2, ra, go))
            tb = asyncio.create_task(lock(b, 2, 1, rb, go))
            await ra.wait()
            await rb.wait()
            go.set()
            results = await asyncio.gather(ta, tb, return_exceptions=True)
        [deadlock] = [r for r in results if isinstance(r, BaseException)]

        async with engine.connect() as c:
            duplicate = await _raised(c.execute(text("INSERT INTO race VALUES (1, 0)")))
        async with engine.connect() as c:
            syntax = await _raised(c.execute(text("SELEC 1")))
    finally:
        await engine.dispose()

    assert sqlstate(serialization) == "40001" and is_transient(serialization)
    assert sqlstate(deadlock) == "40P01" and is_transient(deadlock)
    assert not is_unavailable(serialization) and not is_unavailable(deadlock)
    assert sqlstate(duplicate) == "23505" and not is_transient(duplicate)
    assert sqlstate(syntax) == "42601" and not is_transient(syntax)
