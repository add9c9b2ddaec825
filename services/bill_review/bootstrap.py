"""Wires bill_review: its routes and its consumer group (audit_link's ErrorReported → misses)."""

from __future__ import annotations

from services.bill_review.entrypoints import config_http, http
from services.bill_review.handlers import misses
from shared.events import topics
from shared.events.audit import ErrorReported
from shared.http.app import ServiceParts
from shared.messaging.dispatch import route, routes
from shared.runtime import ConsumerSpec

GROUP = "m2c-bill-review"


def build() -> ServiceParts:
    return ServiceParts(name="bill-review", routers=[config_http.router, http.router],
                        consumers=[ConsumerSpec(GROUP, (topics.AUDIT,), routes(
                            route(ErrorReported, misses.on_error_reported),
                        ))])
