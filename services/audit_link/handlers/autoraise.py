"""Event handlers that raise tickets by themselves: ScoresPublished (low score, the same red
indicator two months running, overdue unrectified anomalies) and the anomaly intake feeding it."""

from __future__ import annotations

import logging
from datetime import datetime

from services.audit_link.adapters import facts_repo
from services.audit_link.domain import autoraise
from services.audit_link.handlers.tickets import DuplicateOpenTicket, RaiseTicket, record_ticket
from shared.calendar import local_date
from shared.events.intake import RectifyAnomaly, ReportAnomaly
from shared.events.scoring import ScoresPublished
from shared.messaging.dispatch import ReceivedEvent
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)
AUTO_RAISER = "m2c/audit-link"


async def on_scores_published(event: ReceivedEvent[ScoresPublished], uow: UnitOfWork) -> None:
    e = event.payload
    now = event.envelope.time  # the moment the triggering scores were published
    await facts_repo.store_scores(uow.session, e.period, e.revision, [
        {"unit": u.unit, "level": u.level, "score": u.score, "red_indicators": sorted(set(u.red_indicators))}
        for u in e.units
    ], now)
    stations = [autoraise.StationScore(u.unit, u.level, u.score, frozenset(u.red_indicators),
                                       u.status == "complete") for u in e.units if u.level == "station"]
    current = {s.unit: s.red_indicators for s in stations}
    proposals = autoraise.low_score(e.period, stations, e.ticket_threshold)
    previous = autoraise.previous_period(e.period)
    proposals += autoraise.repeated_red(e.period, current, await facts_repo.red_indicators(uow.session, previous))
    # A late (re-)publication of last month can complete a pair with a month already seen.
    following = autoraise.next_period(e.period)
    proposals += autoraise.repeated_red(
        following, await facts_repo.red_indicators(uow.session, following, list(current)), current)
    overdue = await facts_repo.overdue_anomalies(uow.session, local_date(now), e.period)
    proposals += autoraise.unrectified(e.period, overdue, local_date(now))
    for p in proposals:
        await _raise_once(uow, p, now)


async def _raise_once(uow: UnitOfWork, p: autoraise.Proposal, now: datetime) -> None:
    try:
        await record_ticket(RaiseTicket(unit=p.unit, period=p.period, reason=p.reason, detail=p.detail,
                                        raised_by=AUTO_RAISER, at=now), uow)
    except DuplicateOpenTicket:
        log.debug("ticket for %s %s %s is open already", p.unit, p.reason, p.period)


async def on_report_anomaly(event: ReceivedEvent[ReportAnomaly], uow: UnitOfWork) -> None:
    e = event.payload
    await facts_repo.report_anomaly(
        uow.session, anomaly_id=e.anomaly_id, unit=e.unit, period=e.period, kind=e.kind,
        customer_no=e.customer_no, detected_on=e.detected_on, due_on=e.due_on, at=event.envelope.time,
    )


async def on_rectify_anomaly(event: ReceivedEvent[RectifyAnomaly], uow: UnitOfWork) -> None:
    e = event.payload
    await facts_repo.rectify_anomaly(uow.session, anomaly_id=e.anomaly_id, rectified_on=e.rectified_on,
                                     at=event.envelope.time)
