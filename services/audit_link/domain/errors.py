"""Billing errors as the domain sees them (pure: no I/O)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import get_args

from shared.events.audit import ErrorCategory, ErrorNature

CATEGORIES: tuple[str, ...] = get_args(ErrorCategory)
NATURES: tuple[str, ...] = get_args(ErrorNature)


@dataclass(frozen=True)
class BillingError:
    id: uuid.UUID
    unit: str
    period: str
    category: str
    nature: str
    amount: Decimal
    description: str
    customer_no: str | None
    reporter: str
    reported_at: datetime
    state: str = "reported"


def report(*, unit: str, period: str, category: str, nature: str, amount: Decimal, description: str,
           customer_no: str | None, reporter: str, now: datetime) -> BillingError:
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category}")
    if nature not in NATURES:
        raise ValueError(f"unknown nature {nature}")
    return BillingError(uuid.uuid4(), unit, period, category, nature, amount, description.strip(),
                        customer_no, reporter, now)
