"""Which failures pass by themselves (retry without limit) and which do not (dead-letter them).

Transient: the database or the broker is unreachable or restarting (connection refused, lost or
closed, administrator shutdown, too many connections), the transaction lost a race (serialization
failure, deadlock) or something timed out. Waiting and trying again fixes these, so a consumer must
never give up on them: a message dead-lettered because PostgreSQL restarted is an effect lost.
Everything else (a bug, bad data) is deterministic: the same message fails the same way again.

The explicit chain is walked (SQLAlchemy's `orig`, `__cause__`) because drivers wrap: SQLAlchemy
DBAPIError → the adapted DBAPI error → asyncpg's error → the server's message. The implicit
`__context__` is not: a bug raised while handling a lost connection is still a bug.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import asyncpg
from aiokafka import errors as kafka_errors
from sqlalchemy import exc as sa_exc

# SQLSTATEs worth waiting for. Class 08 (connection exception) is matched by prefix.
RETRYABLE_SQLSTATES = frozenset({
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "53300",  # too_many_connections
    "55P03",  # lock_not_available (lock_timeout)
    "57014",  # query_canceled (statement_timeout)
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now (starting up, shutting down, in recovery)
})
# SQLSTATEs that mean the server or the connection is gone (HTTP: 503 rather than a retry hint).
UNAVAILABLE_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03"})
CONNECTION_ERRNOS = frozenset({
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT,
    errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTDOWN, errno.ENOTCONN,
})
# asyncpg raises plain InterfaceError for a few connection states that carry no SQLSTATE.
_CONNECTION_MESSAGES = ("connection is closed", "connection was closed")
_KAFKA_TRANSIENT = (kafka_errors.KafkaConnectionError, kafka_errors.KafkaTimeoutError,
                    kafka_errors.NodeNotReadyError, kafka_errors.RequestTimedOutError)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps, each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        for inner in (getattr(e, "orig", None), e.__cause__):
            if isinstance(inner, BaseException):
                todo.append(inner)


def sqlstate(exc: BaseException) -> str | None:
    """The first SQLSTATE found along the chain (asyncpg's `sqlstate`, SQLAlchemy's adapted `pgcode`)."""
    for e in causes(exc):
        code = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(code, str) and len(code) == 5:
            return code
    return None


def _is_connection_failure(e: BaseException) -> bool:
    if isinstance(e, ConnectionError | TimeoutError | asyncpg.PostgresConnectionError):
        return True
    if isinstance(e, socket.gaierror):  # the database's host name did not resolve (a DNS blip, a pod moving)
        return True
    if isinstance(e, OSError):
        # asyncio reports a refused connect to several addresses as OSError("Multiple exceptions: …").
        return e.errno in CONNECTION_ERRNOS or str(e).startswith("Multiple exceptions")
    if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
        return True
    if isinstance(e, sa_exc.DisconnectionError | sa_exc.TimeoutError):  # TimeoutError: pool checkout
        return True
    if isinstance(e, asyncpg.InterfaceError | sa_exc.InterfaceError):
        return any(m in str(e) for m in _CONNECTION_MESSAGES)
    if isinstance(e, kafka_errors.KafkaError):
        return isinstance(e, _KAFKA_TRANSIENT) or bool(getattr(e, "retriable", False))
    return False


def is_unavailable(exc: BaseException) -> bool:
    """The database or the broker cannot be reached (or is refusing work) right now."""
    if any(_is_connection_failure(e) for e in causes(exc)):
        return True
    code = sqlstate(exc)
    return code is not None and (code.startswith("08") or code in UNAVAILABLE_SQLSTATES)


def is_transient(exc: BaseException) -> bool:
    """Worth retrying without limit: unavailability, lost races, timeouts."""
    if is_unavailable(exc):
        return True
    code = sqlstate(exc)
    return code is not None and code in RETRYABLE_SQLSTATES


def describe(exc: BaseException) -> str:
    """`Type: message` of the exception, as logs and dead letters show it."""
    return f"{type(exc).__name__}: {exc}"
