"""The accountability and SLA policies as data (one JSON row each), so their numbers change
without a release."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_link.adapters.tables import policies
from services.audit_link.domain.accountability import AccountabilityPolicy
from services.audit_link.domain.sla_policy import SlaPolicy

NAME = "accountability"
SLA = "sla"


def to_json(p: AccountabilityPolicy) -> dict[str, Any]:
    return {
        "amount_bands": [[str(bound), points] for bound, points in p.amount_bands],
        "amount_top_points": p.amount_top_points,
        "nature_points": dict(p.nature_points),
        "repetition_window_months": p.repetition_window_months,
        "repetition_points": list(p.repetition_points),
        "level_floors": [[level, floor] for level, floor in p.level_floors],
    }


def from_json(body: dict[str, Any]) -> AccountabilityPolicy:
    return AccountabilityPolicy(
        amount_bands=tuple((Decimal(str(b)), int(p)) for b, p in body["amount_bands"]),
        amount_top_points=int(body["amount_top_points"]),
        nature_points={k: int(v) for k, v in body["nature_points"].items()},
        repetition_window_months=int(body["repetition_window_months"]),
        repetition_points=tuple(int(p) for p in body["repetition_points"]),
        level_floors=tuple((str(level), int(floor)) for level, floor in body["level_floors"]),
    )


async def load(session: AsyncSession) -> AccountabilityPolicy:
    body = (await session.execute(select(policies.c.body).where(policies.c.name == NAME))).scalar_one_or_none()
    return from_json(body) if body else AccountabilityPolicy()


async def store(session: AsyncSession, policy: AccountabilityPolicy, *, by: str, at: datetime) -> None:
    values = {"name": NAME, "body": to_json(policy), "updated_by": by, "updated_at": at}
    stmt = insert(policies).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))


async def load_sla(session: AsyncSession) -> SlaPolicy:
    body = (await session.execute(select(policies.c.body).where(policies.c.name == SLA))).scalar_one_or_none()
    return SlaPolicy.from_json(body)


async def store_sla(session: AsyncSession, policy: SlaPolicy, *, by: str, at: datetime) -> None:
    values = {"name": SLA, "body": policy.to_json(), "updated_by": by, "updated_at": at}
    stmt = insert(policies).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))
