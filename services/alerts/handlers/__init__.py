"""alerts' commands and event handlers: one function each, (message, uow) -> result.

Commands are frozen dataclasses carrying their time (`at`, on the service's clock) and who gave
them, in the module of their subject (alerts, silences, subscriptions, escalation, rules, channels,
credit, and delivery: the delivery worker's steps). Command handlers commit their unit of work;
event handlers (`events`) leave the commit to the consumer's dispatcher, which records the event id
in the same transaction.

The event handlers are re-exported here (`on_error_reported`, ...); bootstrap routes events to them.
"""

from services.alerts.handlers.events import (
    SYSTEM_UNIT,
    error_reported_signals,
    on_arrears_risk,
    on_calendar_year_missing,
    on_error_reported,
    on_record_payment,
    on_recovery_warning,
    on_scores_published,
    on_ticket_closed,
    on_ticket_escalated,
    prepare_batch,
    recovery_warning_signals,
    scores_published_signals,
    ticket_closed_signals,
    ticket_escalated_signals,
)

__all__ = [
    "SYSTEM_UNIT",
    "error_reported_signals",
    "on_arrears_risk",
    "on_calendar_year_missing",
    "on_error_reported",
    "on_record_payment",
    "on_recovery_warning",
    "on_scores_published",
    "on_ticket_closed",
    "on_ticket_escalated",
    "prepare_batch",
    "recovery_warning_signals",
    "scores_published_signals",
    "ticket_closed_signals",
    "ticket_escalated_signals",
]
