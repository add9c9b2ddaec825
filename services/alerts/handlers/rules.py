"""Severity and inhibition rules: replace a whole rule document (version + 1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.alerts.adapters import rules_repository
from services.alerts.domain.rules import severity_rule_problems
from shared.errors import InvalidInput
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class PutSeverityRules:
    rules: Sequence[Mapping[str, Any]]  # name, type, conditions (label, op, value), severity
    by: str
    at: datetime


async def put_severity_rules(cmd: PutSeverityRules, uow: UnitOfWork) -> dict[str, Any]:
    """Replace the severity rules once the domain finds none unusable (InvalidInput naming the rule);
    committed. Returns the stored document."""
    doc = [dict(r) for r in cmd.rules]
    if problems := severity_rule_problems(doc):
        raise InvalidInput(problems[0]["message"], errors=problems)
    row = await rules_repository.put(uow.session, "severity", doc, by=cmd.by, at=cmd.at)
    await uow.commit()
    return row


@dataclass(frozen=True)
class PutInhibitionRules:
    rules: Sequence[Mapping[str, Any]]  # name, source_matchers, target_matchers, equal
    by: str
    at: datetime


async def put_inhibition_rules(cmd: PutInhibitionRules, uow: UnitOfWork) -> dict[str, Any]:
    """Replace the inhibition rules; committed. Returns the stored document."""
    row = await rules_repository.put(uow.session, "inhibition", [dict(r) for r in cmd.rules], by=cmd.by, at=cmd.at)
    await uow.commit()
    return row
