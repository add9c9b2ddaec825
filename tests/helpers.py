"""Small test helpers shared by several test modules."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

ERROR_BODY = {
    "unit": "QY-QC-01", "period": "2026-10", "category": "tariff", "nature": "clerical",
    "amount": "-1234.50", "description": "电价套用错误 tariff applied wrongly", "customer_no": "0301000123",
}
# Graded `accountability` (fraud 5 + amount ≥ ¥100 000 4 points): the kind of error that raises an alert.
GRAVE_ERROR_BODY = {**ERROR_BODY, "nature": "fraud", "amount": "-250000.00"}


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout_s: float = 20.0,
                     pause_s: float = 0.1) -> T:
    """Poll until probe returns something truthy; fail with the last value after timeout_s."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(pause_s)
    raise AssertionError(f"condition not met within {timeout_s}s (last: {last!r})")
