"""Where lifecycle reads rules and writes alerts: straight to the database (an HTTP command), or,
for a consumed batch, through a cache that lives as long as the batch's transaction.

Per batch, not per event: the severity and inhibition rules, the silences, the subscriptions and the
escalation policies are read once (a batch is one transaction; it sees them as they were when it
began, as if it had been applied at that moment). The alerts the batch's events will change are
locked (the same advisory locks, in one statement) and read in one statement before the handlers
run. Alert rows and their history are held back and written set-based when the batch ends (the
dispatcher's flush, before the commit), and before any statement that could see them (lifecycle
calls flush() first on its rarer paths: inhibition, groups, escalations).
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.adapters import batch_repository, escalation_repository, repository, rules_repository
from services.alerts.domain import rules
from services.alerts.domain.alerts import Alert
from services.alerts.domain.silences import Silence
from shared.calendar import CalendarData
from shared.uow import UnitOfWork


class AlertStore:
    """Direct: every call is today's statement. Batched (begin()): reads cached, writes held back."""

    def __init__(self, session: AsyncSession, *, batched: bool = False):
        self.session = session
        self.batched = batched
        self._severity: list[rules.SeverityRule] | None = None
        self._inhibition: list[rules.InhibitionRule] | None = None
        self._silences: list[Silence] | None = None
        self._silences_from: datetime | None = None
        self._subscriptions: list[dict[str, Any]] | None = None
        self._policies: list[dict[str, Any]] | None = None
        self._calendar: CalendarData | None = None
        # fingerprint -> (the alert or None, its inhibited_by): locked by this transaction, current
        self._known: dict[str, tuple[Alert | None, str | None]] = {}
        self._checked: set[object] = set()  # alerts whose group membership and escalations are known
        self._grouped: set[object] = set()
        self._escalating: set[object] = set()
        self._inserts: dict[object, dict[str, Any]] = {}
        self._updates: dict[object, dict[str, Any]] = {}
        self._history: list[dict[str, Any]] = []

    # --- rules and settings (read once per batch) ----------------------------------------------

    async def _load_rules(self) -> None:
        """Both rule documents at once (a batch needs both)."""
        docs = await batch_repository.rule_documents(self.session)
        self._severity = rules.parse_severity_rules(docs.get("severity", []))
        self._inhibition = rules.parse_inhibition_rules(docs.get("inhibition", []))

    async def severity_rules(self) -> list[rules.SeverityRule]:
        if not self.batched:
            return rules.parse_severity_rules((await rules_repository.get(self.session, "severity"))["rules"])
        if self._severity is None:
            await self._load_rules()
        assert self._severity is not None
        return self._severity

    async def inhibition_rules(self) -> list[rules.InhibitionRule]:
        if not self.batched:
            return rules.parse_inhibition_rules((await rules_repository.get(self.session, "inhibition"))["rules"])
        if self._inhibition is None:
            await self._load_rules()
        assert self._inhibition is not None
        return self._inhibition

    async def silences(self, at: datetime) -> list[Silence]:
        """Silences that may be active at `at` (is_silenced checks each one's window)."""
        if not self.batched:
            return await repository.active_silences(self.session, at)
        if self._silences is None or self._silences_from is None or at < self._silences_from:
            self._silences = await batch_repository.silences_ending_after(self.session, at)
            self._silences_from = at
        return self._silences

    async def subscriptions(self) -> list[dict[str, Any]]:
        if self._subscriptions is None or not self.batched:
            self._subscriptions = await repository.active_subscriptions(self.session)
        return self._subscriptions

    async def policies(self) -> list[dict[str, Any]]:
        if self._policies is None or not self.batched:
            self._policies = await escalation_repository.policies(self.session)
        return self._policies

    async def calendar(self) -> CalendarData:
        if self._calendar is None or not self.batched:
            self._calendar = await escalation_repository.calendar(self.session)
        return self._calendar

    # --- alerts ---------------------------------------------------------------------------------

    async def load(self, fingerprints: Sequence[str]) -> None:
        """Lock and read the alerts of these fingerprints (two statements for the batch)."""
        wanted = sorted({f for f in fingerprints if f not in self._known})
        if not wanted:
            return
        await self.flush()
        await batch_repository.lock_fingerprints(self.session, wanted)
        rows = await batch_repository.alerts_by_fingerprints(self.session, wanted)
        self._known.update({f: (None, None) for f in wanted})
        for row in rows:
            self._known[row["fingerprint"]] = (repository._to_alert(row), row["inhibited_by"])
        ids = [row["id"] for row in rows]
        if ids:
            self._grouped |= await batch_repository.grouped(self.session, ids)
            self._escalating |= await batch_repository.escalating(self.session, ids)
        self._checked.update(ids)

    async def current(self, fingerprint: str) -> Alert | None:
        """The alert of a fingerprint, locked for this transaction (lock_fingerprint, then its row)."""
        if not self.batched:
            await repository.lock_fingerprint(self.session, fingerprint)
            return await repository.alert_by_fingerprint(self.session, fingerprint)
        if fingerprint not in self._known:
            await self.load([fingerprint])
        return self._known[fingerprint][0]

    async def save_alert(self, a: Alert, *, new: bool) -> None:
        if not self.batched:
            await repository.save_alert(self.session, a, new=new)
            return
        values = repository._values(a)
        if new:
            self._inserts[a.id] = {**values, "inhibited_by": None}
            self._known[a.fingerprint] = (a, None)
            self._checked.add(a.id)  # new: in no group, on no policy yet
            return
        held = self._inserts.get(a.id) or self._updates.get(a.id)
        inhibited = held["inhibited_by"] if held else self._inhibited_by_known(a)
        row = {**values, "inhibited_by": inhibited}
        if a.id in self._inserts:
            self._inserts[a.id] = row
        else:
            self._updates[a.id] = row
        self._known[a.fingerprint] = (a, inhibited)

    def _inhibited_by_known(self, a: Alert) -> str | None:
        known = self._known.get(a.fingerprint)
        return known[1] if known and known[0] is not None and known[0].id == a.id else None

    async def inhibited_by(self, a: Alert) -> str | None:
        if self.batched:
            known = self._known.get(a.fingerprint)
            if known is not None and known[0] is not None and known[0].id == a.id:
                return known[1]
            await self.flush()
        return await repository.inhibited_by(self.session, a.id)

    async def set_inhibited_by(self, a: Alert, source: str | None) -> None:
        """After save_alert(a) in this transaction."""
        held = self._inserts.get(a.id) or self._updates.get(a.id)
        if not self.batched or held is None:
            await self.flush()
            await repository.set_inhibited_by(self.session, a.id, source)
            if self.batched:
                self._known.pop(a.fingerprint, None)
            return
        held["inhibited_by"] = source
        self._known[a.fingerprint] = (a, source)

    def forget_alerts(self) -> None:
        """Other alerts changed by statements (inhibition of targets): read them again when needed."""
        self._known.clear()

    def may_be_grouped(self, alert_id: object) -> bool:
        return not self.batched or alert_id not in self._checked or alert_id in self._grouped

    def now_grouped(self, alert_id: object) -> None:
        self._grouped.add(alert_id)

    def may_escalate(self, alert_id: object) -> bool:
        return not self.batched or alert_id not in self._checked or alert_id in self._escalating

    def now_escalating(self, alert_id: object) -> None:
        self._escalating.add(alert_id)

    async def add_history(self, *, alert: Alert, change: str, at: datetime, event_id: uuid.UUID | None,
                          actor: str | None, changes: dict[str, Any], silenced: bool, inhibited: bool = False) -> None:
        if not self.batched:
            await repository.add_history(self.session, alert=alert, change=change, at=at, event_id=event_id,
                                         actor=actor, changes=changes, silenced=silenced, inhibited=inhibited)
            return
        self._history.append({
            "alert_id": alert.id, "change": change, "at": at, "event_id": event_id, "actor": actor,
            "severity": alert.severity, "state": alert.state, "changes": changes, "silenced": silenced,
            "inhibited": inhibited})

    async def flush(self) -> None:
        """Write what is held back (new alerts first: history rows name them)."""
        if not (self._inserts or self._updates or self._history):
            return
        inserts, updates, history = list(self._inserts.values()), list(self._updates.values()), self._history
        self._inserts, self._updates, self._history = {}, {}, []
        await batch_repository.insert_alerts(self.session, inserts)
        await batch_repository.update_alerts(self.session, updates)
        await batch_repository.insert_history(self.session, history)


_batches: weakref.WeakKeyDictionary[UnitOfWork, AlertStore] = weakref.WeakKeyDictionary()


def store_of(uow: UnitOfWork) -> AlertStore:
    """The batch's store when the unit of work applies a consumed batch, else a direct one."""
    return _batches.get(uow) or AlertStore(uow.session)


async def begin(uow: UnitOfWork, fingerprints: Sequence[str]) -> AlertStore:
    """Open the batch's store on this unit of work: lock and read the alerts it will change."""
    store = AlertStore(uow.session, batched=True)
    _batches[uow] = store
    await store.load(fingerprints)
    return store
