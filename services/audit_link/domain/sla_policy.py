"""The ticket SLA numbers (DESIGN §4.5) as data, so a bureau changes them without a release.

Every state that waits on someone has a deadline in working days, counted from the moment the
ticket entered the state (or, for `investigating`, from receipt: the two share the report deadline):

- issued → coordinate: 1 — the paper: 市场营销部在1个工作日内协调营销稽查中心.
- coordinated → receive: 1 — the paper gives none; the audit centre's 5 days run "收到传单后", so
  an unbounded receipt would stretch them at will. Receiving is a formality once marketing has
  coordinated, so it gets the same one working day as coordinating.
- received / investigating → report: 5 — the paper: 营销稽查中心在收到传单后5个工作日内…通报.
- reported → close or reopen (customer service): 5 — the paper gives none; one working week to
  check the findings and the rectification evidence (a site check may be needed), so the whole
  chain stays bounded (1 + 1 + 5 + 5 working days).
- a reopen gives a fresh `report_days`.

Escalation: level 1 when the deadline passes, one more level per further working day overdue up
to `escalation_cap`; from then on the cap level repeats every `repeat_every_days` working days
instead of climbing for ever. `calendar_check_from` (MM-DD): from that day each year, the missing
official calendar of next year is reported (CalendarYearMissing) once a day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# The state a ticket waits in → the policy field with its working days.
STAGE_DAYS: dict[str, str] = {
    "issued": "coordinate_days",
    "coordinated": "receive_days",
    "received": "report_days",
    "investigating": "report_days",
    "reported": "review_days",
}


@dataclass(frozen=True)
class SlaPolicy:
    coordinate_days: int = 1
    receive_days: int = 1
    report_days: int = 5
    review_days: int = 5
    escalation_cap: int = 3
    repeat_every_days: int = 5
    calendar_check_from: str = "11-01"

    def days_for(self, state: str) -> int | None:
        """Working days the ticket has in `state`; None for a state nobody owes anything in (closed)."""
        name = STAGE_DAYS.get(state)
        return getattr(self, name) if name else None

    def check_from(self) -> tuple[int, int]:
        month, day = map(int, self.calendar_check_from.split("-"))
        return month, day

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, body: dict[str, Any] | None) -> SlaPolicy:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (body or {}).items() if k in known})
