"""Scoring a period again after late errors (the re-scorer's commands): give new requests their due
time, score each due period in its own transaction, put off one that failed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.scoring.adapters import rescore_repository
from services.scoring.domain.errors import IncompletePeriod
from services.scoring.handlers.scores import ScorePeriod, ScoreRun, score_period
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)
RESCORED_BY = "system:rescore"


@dataclass(frozen=True)
class ScheduleRescores:
    due_at: datetime  # when the requests that arrived since the last pass fall due


async def schedule_rescores(cmd: ScheduleRescores, uow: UnitOfWork) -> None:
    await rescore_repository.schedule_new(uow.session, cmd.due_at)
    await uow.commit()


@dataclass(frozen=True)
class RescoreNext:
    at: datetime


@dataclass(frozen=True)
class Rescored:
    period: str
    run: ScoreRun | None  # None: not scored (rolled back with everything it emitted; the request stays)


async def rescore_next(cmd: RescoreNext, uow: UnitOfWork) -> Rescored | None:
    """Claim one due period and score it again (in this transaction: a claimed period is skipped by
    the other replicas); None when no period is due."""
    period = await rescore_repository.claim_due(uow.session, cmd.at)
    if period is None:
        return None
    try:
        return Rescored(period, await score_period(ScorePeriod(period, RESCORED_BY, cmd.at), uow))
    except IncompletePeriod as exc:  # the last run published no incomplete station
        log.warning("not re-scoring %s: %s; waiting for the facts or a scoring by hand", period, exc)
    except Exception:
        log.exception("re-scoring %s failed; trying again after the delay", period)
    return Rescored(period, None)


@dataclass(frozen=True)
class PostponeRescore:
    period: str
    until: datetime


async def postpone_rescore(cmd: PostponeRescore, uow: UnitOfWork) -> None:
    await rescore_repository.postpone(uow.session, cmd.period, cmd.until)
    await uow.commit()
