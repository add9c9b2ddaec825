"""Customers with twelve months of bills and payments (the credit CSV files, DESIGN §4.7)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.demo.org import Station
from services.demo.periods import add_months, day

CHANNELS = ("counter", "bank_debit", "bank_collection", "online", "site_95598", "kiosk", "pos", "mobile")
PAY_CHANNELS = ("bank_debit", "online", "mobile", "counter", "bank_collection", "kiosk", "pos")
PAY_WEIGHTS = (30, 22, 25, 10, 8, 3, 2)
_PAY_TABLE = tuple(c for c, w in zip(PAY_CHANNELS, PAY_WEIGHTS, strict=True) for _ in range(w))


@dataclass
class CreditFiles:
    customers: list[str] = field(default_factory=lambda: [
        "customer_no,unit,large,theft_on,illegal_use_on,old_arrears_no_agreement"])
    bills: list[str] = field(default_factory=lambda: ["customer_no,unit,period,amount_due,due_date"])
    payments: list[str] = field(default_factory=lambda: ["payment_id,customer_no,unit,period,amount,paid_at,channel"])


def due_date(period: str) -> date:
    return day(add_months(period, 1), 15)


def generate(rng: random.Random, stations: Sequence[Station], periods: Sequence[str], count: int,
             parts: int = 1, today: date | None = None) -> list[CreditFiles]:
    """`count` customers spread over the stations (urban ones larger), one bill a month each; in `parts`
    sets of files, each with its own customers (so they can be uploaded side by side). A payment that
    would fall after `today` has not been made yet (the bill is still open)."""
    files = [CreditFiles() for _ in range(parts)]
    weights = [3 if s.area_type == "urban" else 1 for s in stations]
    units = rng.choices([s.code for s in stations], weights=weights, k=count)
    dues = [due_date(p) for p in periods]
    # per month: (period, due date text, the dates around it by days late, from -14 to +40)
    months = [(p, str(d), {k: str(d + timedelta(days=k)) for k in range(-14, 41)
                           if today is None or d + timedelta(days=k) < today}) for p, d in zip(
        periods, dues, strict=True)]
    rand = rng.random
    first_day = day(periods[0], 1)
    for n, unit in enumerate(units, start=1):
        out = files[(n - 1) * parts // max(count, 1)]
        no = f"03{n:08d}"
        r = rng.random()
        kind = ("punctual" if r < 0.80 else "sometimes" if r < 0.92 else "chronic" if r < 0.97 else "arrears")
        large = rng.random() < 0.01
        theft = illegal = ""
        v = rng.random()
        if v < 0.001:
            theft = str(first_day + timedelta(days=rng.randint(30, 300)))
        elif v < 0.003:
            illegal = str(first_day + timedelta(days=rng.randint(30, 300)))
        old = "true" if 0.003 <= v < 0.005 else ""
        out.customers.append(f"{no},{unit},{'true' if large else 'false'},{theft},{illegal},{old}")
        base = rng.uniform(20_000, 200_000) if large else rng.uniform(60, 600)
        unpaid_from = len(periods) - rng.randint(1, 4) if kind == "arrears" else len(periods)
        bills, payments = out.bills, out.payments
        for i, (period, due, around) in enumerate(months):
            amount = f"{base * (0.8 + 0.45 * rand()):.2f}"
            bills.append(f"{no},{unit},{period},{amount},{due}")
            if i >= unpaid_from:
                continue
            if kind == "punctual":
                late = -1 - int(rand() * 14)
            elif kind == "sometimes":
                late = 3 + int(rand() * 18) if rand() < 0.25 else -int(rand() * 11)
            else:
                late = 5 + int(rand() * 36) if rand() < 0.6 else -int(rand() * 6)
            x = int(rand() * 1_000_000)
            if late not in around:  # not paid yet
                continue
            payments.append(f"P{no}{period[:4]}{period[5:]},{no},{unit},{period},{amount},"
                            f"{around[late]}T{8 + x % 14:02d}:{x // 14 % 60:02d}:00+08:00,{_PAY_TABLE[x % 100]}")
    return files


def chunks(lines: list[str], per_chunk: int = 20000) -> Iterator[bytes]:
    for i in range(0, len(lines), per_chunk):
        yield ("\n".join(lines[i:i + per_chunk]) + "\n").encode()


def unit_channels(rng: random.Random, stations: Sequence[Station]) -> dict[str, list[str]]:
    """Channel types offered per station; about one in eight falls short of its target (urban 5, rural 3)."""
    out = {}
    for s in stations:
        target = 5 if s.area_type == "urban" else 3
        short = rng.random() < 0.125
        n = target - rng.randint(1, 2) if short else min(len(CHANNELS), target + rng.randint(0, 2))
        others = [c for c in CHANNELS if c != "counter"]
        out[s.code] = sorted(["counter", *rng.sample(others, n - 1)])
    if not any(len(v) < (5 if s.area_type == "urban" else 3) for s, v in zip(stations, out.values(), strict=True)):
        s = stations[-1]
        out[s.code] = ["counter", "bank_debit"]
    return out
