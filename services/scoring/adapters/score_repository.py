"""Score runs (one revision per re-score of a period) and the per-unit scores of each. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import score_runs, scores
from services.scoring.domain.publication import ScoredUnit


async def next_revision(session: AsyncSession, period: str) -> int:
    """The next revision of the period; serialises concurrent re-scores of the same period."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('scoring:score:' || :p))"), {"p": period})
    current = (await session.execute(
        select(func.max(score_runs.c.revision)).where(score_runs.c.period == period))).scalar()
    return (current or 0) + 1


async def add_run(session: AsyncSession, period: str, revision: int, scheme: str, created_by: str,
                  now: datetime, rows: Sequence[ScoredUnit], idempotency_key: str | None = None,
                  allow_incomplete: bool = False) -> None:
    await session.execute(insert(score_runs).values(period=period, revision=revision, scheme=scheme,
                                                    created_by=created_by, created_at=now,
                                                    idempotency_key=idempotency_key,
                                                    allow_incomplete=allow_incomplete))
    if rows:
        await session.execute(insert(scores), [{**r.record(), "period": period, "revision": revision} for r in rows])


async def run_by_key(session: AsyncSession, key: str) -> dict[str, Any] | None:
    row = (await session.execute(select(score_runs).where(score_runs.c.idempotency_key == key))).first()
    return dict(row._mapping) if row else None


async def runs(session: AsyncSession, period: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(score_runs).where(score_runs.c.period == period)
                                  .order_by(score_runs.c.revision))).all()
    return [dict(r._mapping) for r in rows]


# The runs of a period as a ranking names its cached body by them: a plain SQL statement for a bare
# driver connection (shared.http.read_cache.statement_connection), one round trip, no session.
_RUN_KEYS = "SELECT revision, scheme, created_at FROM scoring_score_runs WHERE period = $1 ORDER BY revision"


async def run_keys(connection: Any, period: str) -> list[dict[str, Any]]:
    """runs()' revision, scheme and creation time, through an asyncpg connection."""
    return [dict(r) for r in await connection.fetch(_RUN_KEYS, period)]


async def latest_allow_incomplete(session: AsyncSession, period: str) -> bool:
    """The choice stored with the period's latest run (False when never scored)."""
    return bool((await session.execute(
        select(score_runs.c.allow_incomplete).where(score_runs.c.period == period)
        .order_by(score_runs.c.revision.desc()).limit(1))).scalar())


async def latest_revision(session: AsyncSession, period: str) -> int | None:
    return (await session.execute(
        select(func.max(score_runs.c.revision)).where(score_runs.c.period == period))).scalar()


async def list_scores(session: AsyncSession, period: str, revision: int, level: str | None) -> list[dict[str, Any]]:
    query = select(scores).where(scores.c.period == period, scores.c.revision == revision)
    if level:
        query = query.where(scores.c.level == level)
    rows = (await session.execute(query.order_by(scores.c.rank.nulls_last(), scores.c.unit))).all()
    return [dict(r._mapping) for r in rows]


# What a ranking shows of a score's explanation (detail): the rest — indicators with their inputs and
# rules, recovery figures, the county's stations — is most of the stored JSON and only the
# explanation endpoint reads it, so a ranking neither sends nor parses it.
RANKING_DETAIL = ("name", "stages", "no_data", "status", "missing")
_RANKING = text(
    "SELECT s.unit, s.level, s.parent, s.score, s.rank, s.light,"
    " (SELECT jsonb_object_agg(d.key, d.value) FROM jsonb_each(s.detail) AS d"
    "  WHERE d.key = ANY(CAST(:keys AS text[]))) AS detail"
    " FROM scoring_scores AS s WHERE s.period = :period AND s.revision = :revision"
    " AND (CAST(:level AS text) IS NULL OR s.level = CAST(:level AS text))"
    " ORDER BY s.rank NULLS LAST, s.unit"
)


async def ranking(session: AsyncSession, period: str, revision: int, level: str | None) -> list[dict[str, Any]]:
    """list_scores' rows in its order, each detail cut down to the RANKING_DETAIL keys it has."""
    rows = await session.execute(_RANKING, {"period": period, "revision": revision, "level": level,
                                            "keys": list(RANKING_DETAIL)})
    return [dict(r._mapping) for r in rows]


async def get_score(session: AsyncSession, period: str, revision: int, unit: str) -> dict[str, Any] | None:
    row = (await session.execute(select(scores).where(
        scores.c.period == period, scores.c.revision == revision, scores.c.unit == unit))).first()
    return dict(row._mapping) if row else None


async def trend(session: AsyncSession, unit: str, first: str, last: str) -> list[dict[str, Any]]:
    """The unit's score in each period of [first, last], from the latest revision of each."""
    latest = (select(score_runs.c.period, func.max(score_runs.c.revision).label("revision"))
              .where(score_runs.c.period.between(first, last)).group_by(score_runs.c.period).subquery())
    rows = (await session.execute(
        select(scores.c.period, scores.c.revision, scores.c.score, scores.c.rank, scores.c.light)
        .join(latest, (latest.c.period == scores.c.period) & (latest.c.revision == scores.c.revision))
        .where(scores.c.unit == unit).order_by(scores.c.period))).all()
    return [dict(r._mapping) for r in rows]
