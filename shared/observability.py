"""JSON logs with a correlation id, and the Prometheus metrics every process exports."""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from pythonjsonlogger.json import JsonFormatter

from shared.log_throttle import RepeatFilter

_correlation_id: ContextVar[str | None] = ContextVar("m2c_correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> str:
    """Adopt an incoming id (HTTP header or event header) or start a new one."""
    value = value or uuid.uuid4().hex
    _correlation_id.set(value)
    return value


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation_id.get()
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    ))
    handler.addFilter(_CorrelationFilter())
    # A broker outage makes aiokafka log the same connection error many times a second.
    handler.addFilter(RepeatFilter(("aiokafka", "kafka")))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # One line per request (the demo loader, the bulletin's API calls) only when asked for with DEBUG.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)


class Metrics:
    """One registry per process; built by bootstrap, never at import time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_duration = Histogram(
            "m2c_http_request_duration_seconds", "HTTP request latency",
            ["method", "route", "status"], registry=r,
        )
        self.events_produced = Counter(
            "m2c_events_produced_total", "Events published by the outbox relay", ["topic", "type"], registry=r,
        )
        self.events_consumed = Counter(
            "m2c_events_consumed_total", "Events handled by consumers",
            ["group", "type", "outcome"], registry=r,
        )
        self.outbox_lag = Gauge("m2c_outbox_lag", "Outbox rows not yet published", registry=r)
        self.outbox_oldest_age = Gauge(
            "m2c_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", registry=r,
        )
        self.consumer_lag = Gauge(
            "m2c_consumer_lag", "Messages behind the end of the partition",
            ["group", "topic", "partition"], registry=r,
        )
        self.dlq_pending = Gauge(
            "m2c_dlq_pending", "Dead letters not yet replayed (after the replay cursor)", registry=r,
        )
        self.dlq_oldest_age = Gauge(
            "m2c_dlq_oldest_age_seconds", "Age of the oldest dead letter not yet replayed", registry=r,
        )
        self.sla_breaches = Counter("m2c_sla_breaches_total", "Ticket SLA deadlines passed", registry=r)
