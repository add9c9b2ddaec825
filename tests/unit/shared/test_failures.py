"""The failure classification over real exception instances: raised by the real libraries where a
unit test can make them (a refused connect, a timeout), built from the libraries' own classes otherwise.
Real serialization failures and deadlocks from PostgreSQL: tests/integration/platform/test_failures_pg.py."""

from __future__ import annotations

import asyncio
import errno

import asyncpg
import pydantic
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka import errors as kafka_errors
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from shared.db import make_engine
from shared.embedded_pg import free_port
from shared.messaging.failures import is_transient, is_unavailable, sqlstate


async def _raised(awaitable) -> BaseException:
    try:
        await awaitable
    except BaseException as exc:  # noqa: BLE001 - the exception is the result
        return exc
    raise AssertionError("nothing was raised")


async def test_a_refused_database_connection_is_transient() -> None:
    port = free_port()  # nothing listens there
    raw = await _raised(asyncpg.connect(host="127.0.0.1", port=port, user="postgres", timeout=2))
    engine = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres")
    try:

        async def query() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        through_sqlalchemy = await _raised(query())
    finally:
        await engine.dispose()
    for exc in (raw, through_sqlalchemy):
        assert is_transient(exc) and is_unavailable(exc), repr(exc)


async def test_a_refused_broker_connection_is_transient() -> None:
    producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{free_port()}", request_timeout_ms=1000)
    exc = await _raised(producer.start())
    await producer.stop()
    assert isinstance(exc, kafka_errors.KafkaConnectionError)
    assert is_transient(exc) and is_unavailable(exc)


async def test_timeouts_are_transient() -> None:
    exc = await _raised(asyncio.wait_for(asyncio.sleep(1), 0.01))
    assert isinstance(exc, TimeoutError) and is_transient(exc)
    assert is_transient(kafka_errors.KafkaTimeoutError())
    assert is_transient(sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"))


def _wrapped(driver_exc: Exception) -> sa_exc.StatementError:
    """What SQLAlchemy raises: DBAPIError whose `orig` was raised from the driver's exception."""
    try:
        try:
            raise driver_exc
        except Exception as e:
            raise RuntimeError(str(driver_exc)) from e
    except RuntimeError as adapted:
        return sa_exc.DBAPIError.instance("SELECT 1", {}, adapted, Exception)


@pytest.mark.parametrize(("driver_exc", "code", "unavailable"), [
    (asyncpg.exceptions.SerializationError("could not serialize access"), "40001", False),
    (asyncpg.exceptions.DeadlockDetectedError("deadlock detected"), "40P01", False),
    (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), "57P01", True),
    (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), "57P03", True),
    (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), "53300", True),
    (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
     "08003", True),
    (asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"), "57014", False),
])
def test_server_states_worth_waiting_for(driver_exc: Exception, code: str, unavailable: bool) -> None:
    for exc in (driver_exc, _wrapped(driver_exc)):
        assert sqlstate(exc) == code
        assert is_transient(exc)
        assert is_unavailable(exc) is unavailable


def test_a_closed_connection_without_sqlstate_is_transient() -> None:
    assert is_transient(asyncpg.exceptions.InterfaceError("connection is closed"))
    assert is_transient(_wrapped(asyncpg.exceptions.InterfaceError("connection is closed")))
    assert is_transient(OSError(errno.ECONNRESET, "Connection reset by peer"))
    assert is_transient(OSError("Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 5432)"))


async def test_an_unresolvable_database_host_is_transient() -> None:
    exc = await _raised(asyncpg.connect(host="m2c-no-such-host.invalid", port=5432, user="postgres", timeout=5))
    assert isinstance(exc, OSError) and is_transient(exc) and is_unavailable(exc)


def test_bugs_and_bad_data_are_deterministic() -> None:
    try:
        pydantic.TypeAdapter(int).validate_python("not a number")
    except pydantic.ValidationError as invalid:
        validation = invalid
    for exc in (
        ValueError("bad"), KeyError("unit"), validation, FileNotFoundError(errno.ENOENT, "no such file"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"), asyncpg.exceptions.PostgresSyntaxError("syntax"),
        _wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key")),
        asyncpg.exceptions.InterfaceError("the number of query arguments cannot exceed 32767"),
        kafka_errors.MessageSizeTooLargeError(),
    ):
        assert not is_transient(exc), repr(exc)
        assert not is_unavailable(exc), repr(exc)


def test_a_bug_raised_while_handling_a_lost_connection_is_still_a_bug() -> None:
    try:
        try:
            raise ConnectionResetError("lost")
        except ConnectionResetError:
            raise KeyError("unit") from None
    except KeyError as exc:
        assert not is_transient(exc)
    try:
        try:
            raise ConnectionResetError("lost")
        except ConnectionResetError:
            raise KeyError("unit")  # noqa: B904 - the implicit context is the point
    except KeyError as exc:
        assert not is_transient(exc)
