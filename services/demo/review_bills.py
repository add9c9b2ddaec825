"""A month of calculated bills for bill review (issue 15) and the month before it, for the demo's customers
(pure: no I/O). Most bills are clean; a few carry an anomaly of each review rule, the way they happen:
a mistyped reading, a meter left out of TOU, a tariff of the wrong class, a CT ratio changed on site."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

COLUMNS = ("unit", "bill_id", "customer_no", "category", "tariff_code", "multiplier", "prev_reading", "curr_reading",
           "kwh", "amount", "kwh_peak", "kwh_flat", "kwh_valley", "meter_changed")
RULES = ("reading_reversed", "kwh_mismatch", "tou_sum", "zero_kwh", "surge", "drop", "tariff_category",
         "amount_mismatch", "multiplier_changed")
ANOMALY_SHARE_PER_RULE = 0.0004  # ≈ 0.36 % of the bills carry one anomaly, every rule about alike
METER_CHANGE_SHARE = 0.001  # a new meter (readings start again), flagged: no rule fires
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Customer:
    customer_no: str
    unit: str
    large: bool  # the credit file's large customer (大客户)


@dataclass
class Account:
    """A customer's metering point: the tariff class, the CT ratio, the usual monthly kWh."""

    customer: Customer
    category: str
    multiplier: int
    base_kwh: float
    tou: bool
    reading: int  # the meter's reading at the start of the history month


@dataclass
class ReviewFiles:
    history: list[str] = field(default_factory=lambda: [",".join(COLUMNS)])
    month: list[str] = field(default_factory=lambda: [",".join(COLUMNS)])
    anomalies: dict[str, list[str]] = field(default_factory=dict)  # rule → the customers it was put on

    @property
    def anomalous(self) -> set[str]:
        return {c for cs in self.anomalies.values() for c in cs}


def customers_of(credit_customer_lines: Sequence[str]) -> list[Customer]:
    """The demo's customers, from the credit file's rows (customer_no,unit,large,…; header first)."""
    out = []
    for line in credit_customer_lines[1:]:
        no, unit, large = line.split(",")[:3]
        out.append(Customer(no, unit, large == "true"))
    return out


def _account(rng: random.Random, c: Customer) -> Account:
    r = rng.random()
    if c.large:
        return Account(c, "large_industrial", rng.choice((50, 100, 200)), rng.uniform(40_000, 300_000), True,
                       rng.randint(100, 5_000))
    if r < 0.86:
        low = rng.random() < 0.04  # a holiday home, a flat let now and then: under 50 kWh
        return Account(c, "resident", 1, rng.uniform(8, 45) if low else rng.uniform(90, 520), False,
                       rng.randint(500, 60_000))
    if r < 0.95:
        ct = rng.random() < 0.1
        return Account(c, "commercial", 20 if ct else 1, rng.uniform(300, 6_000), True, rng.randint(100, 40_000))
    if r < 0.98:
        return Account(c, "industrial", rng.choice((20, 30, 40)), rng.uniform(2_000, 30_000), True,
                       rng.randint(100, 20_000))
    return Account(c, "agricultural", 1, rng.uniform(60, 1_500), False, rng.randint(100, 30_000))


def _yuan(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class _Bill:
    unit: str
    bill_id: str
    customer_no: str
    category: str
    tariff_code: str
    multiplier: int
    prev: int
    curr: int
    kwh: Decimal
    amount: Decimal
    tou: tuple[Decimal, Decimal, Decimal] | None
    meter_changed: bool = False

    def line(self) -> str:
        peak, flat, valley = self.tou if self.tou else ("", "", "")
        return (f"{self.unit},{self.bill_id},{self.customer_no},{self.category},{self.tariff_code},{self.multiplier},"
                f"{self.prev},{self.curr},{self.kwh},{self.amount},{peak},{flat},{valley},"
                f"{'true' if self.meter_changed else 'false'}")


def _tou(rng: random.Random, kwh: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    peak = _yuan(kwh * Decimal(str(round(rng.uniform(0.25, 0.4), 3))))
    valley = _yuan(kwh * Decimal(str(round(rng.uniform(0.2, 0.35), 3))))
    return peak, kwh - peak - valley, valley


def _bill(rng: random.Random, a: Account, period: str, prices: Mapping[str, tuple[str, Decimal]],
          codes: Mapping[str, str], prev: int) -> _Bill:
    delta = max(0, round(a.base_kwh * rng.uniform(0.85, 1.15) / a.multiplier))
    kwh = Decimal(delta * a.multiplier)
    code = codes[a.category]
    return _Bill(a.customer.unit, f"{period.replace('-', '')}-{a.customer.customer_no}", a.customer.customer_no,
                 a.category, code, a.multiplier, prev, prev + delta, kwh, _yuan(kwh * prices[code][1]),
                 _tou(rng, kwh) if a.tou else None)


def _reprice(b: _Bill, prices: Mapping[str, tuple[str, Decimal]]) -> None:
    b.amount = _yuan(b.kwh * prices[b.tariff_code][1])


def _metered(b: _Bill, delta: int, prices: Mapping[str, tuple[str, Decimal]], rng: random.Random) -> None:
    """The bill as the meter says: curr = prev + delta, kWh = delta × multiplier, priced."""
    b.curr = b.prev + delta
    b.kwh = Decimal(delta * b.multiplier)
    b.tou = _tou(rng, b.kwh) if b.tou else None
    _reprice(b, prices)


def _spoil(rule: str, b: _Bill, last: _Bill, rng: random.Random, prices: Mapping[str, tuple[str, Decimal]],
           codes: Mapping[str, str]) -> None:
    """Put the anomaly `rule` looks for on the bill (each the way it happens at a station)."""
    if rule == "reading_reversed":  # the reading mistyped below last month's; billed on last month's kWh
        b.curr = max(0, b.prev - rng.randint(3, 400))
        b.kwh = last.kwh
        _reprice(b, prices)
    elif rule == "kwh_mismatch":  # the kWh keyed by hand, a digit off
        b.kwh += Decimal(rng.choice((10, 20, 30, 50)) * b.multiplier)
        b.tou = _tou(rng, b.kwh) if b.tou else None
        _reprice(b, prices)
    elif rule == "tou_sum" and b.tou:  # the valley register read twice
        peak, flat, valley = b.tou
        b.tou = (peak, flat, valley + Decimal(rng.randint(20, 300)))
    elif rule == "zero_kwh":  # the reader copied last month's reading
        _metered(b, 0, prices, rng)
    elif rule == "surge":
        _metered(b, round(float(last.kwh) * rng.uniform(3.5, 6) / b.multiplier), prices, rng)
    elif rule == "drop":
        _metered(b, max(1, round(float(last.kwh) * rng.uniform(0.05, 0.25) / b.multiplier)), prices, rng)
    elif rule == "tariff_category":  # a resident billed at the commercial tariff
        b.tariff_code = codes["commercial" if b.category != "commercial" else "resident"]
        _reprice(b, prices)
    elif rule == "amount_mismatch":  # an adjustment added to the wrong bill
        b.amount += _yuan(Decimal(str(rng.uniform(15, 120))))
    elif rule == "multiplier_changed":  # the CT replaced on site, the new ratio in the bill only
        b.multiplier = b.multiplier * 2 if b.multiplier > 1 else 2
        _metered(b, max(1, round(float(last.kwh) * rng.uniform(0.9, 1.1) / b.multiplier)), prices, rng)


def _eligible(rule: str, a: Account, last: _Bill) -> bool:
    if rule == "tou_sum":
        return a.tou
    if rule in ("surge", "drop", "reading_reversed"):
        return last.kwh >= 150 and a.multiplier == 1
    if rule == "zero_kwh":
        return last.kwh >= 80
    if rule == "tariff_category":
        return a.category in ("resident", "commercial")
    if rule == "multiplier_changed":
        return a.multiplier > 1
    return a.multiplier == 1 and last.kwh >= 150


def generate(rng: random.Random, customers: Sequence[Customer], history: str, period: str,
             prices: Mapping[str, tuple[str, Decimal]]) -> ReviewFiles:
    """Both months' bill files (CSV lines, header first). `prices`: tariff code → (category, yuan/kWh),
    the tariffs in force (the first code of each category is used)."""
    codes: dict[str, str] = {}
    for code, (category, _) in sorted(prices.items()):
        codes.setdefault(category, code)
    out = ReviewFiles()
    accounts = [_account(rng, c) for c in customers]
    lasts = []
    for a in accounts:
        last = _bill(rng, a, history, prices, codes, a.reading)
        lasts.append(last)
        out.history.append(last.line())
    per_rule = max(2, round(len(customers) * ANOMALY_SHARE_PER_RULE))
    order = list(range(len(accounts)))
    rng.shuffle(order)
    spoilt: dict[int, str] = {}
    for rule in RULES:
        chosen = [i for i in order if i not in spoilt and _eligible(rule, accounts[i], lasts[i])][:per_rule]
        for i in chosen:
            spoilt[i] = rule
        out.anomalies[rule] = [accounts[i].customer.customer_no for i in chosen]
    for i, (a, last) in enumerate(zip(accounts, lasts, strict=True)):
        b = _bill(rng, a, period, prices, codes, last.curr)
        if i in spoilt:
            _spoil(spoilt[i], b, last, rng, prices, codes)
        elif rng.random() < METER_CHANGE_SHARE:  # a new meter: its readings start again, the change recorded
            b.prev, b.curr, b.meter_changed = 0, round(float(b.kwh)) // b.multiplier, True
        out.month.append(b.line())
    return out


def chunks(lines: Sequence[str], per_chunk: int = 20_000) -> Iterator[bytes]:
    for i in range(0, len(lines), per_chunk):
        yield ("\n".join(lines[i:i + per_chunk]) + "\n").encode()
