"""Every service by the name `m2c serve` uses; the embedded all-in-one runs them all."""

from __future__ import annotations

from collections.abc import Callable

from services.alerts import bootstrap as alerts
from services.audit_link import bootstrap as audit_link
from services.bill_review import bootstrap as bill_review
from services.bulletin import bootstrap as bulletin
from services.dashboard import bootstrap as dashboard
from services.identity import bootstrap as identity
from services.scoring import bootstrap as scoring
from shared.http.app import ServiceParts

SERVICES: dict[str, Callable[[], ServiceParts]] = {
    "scoring": scoring.build,
    "audit-link": audit_link.build,
    "alerts": alerts.build,
    "bulletin": bulletin.build,
    "bill-review": bill_review.build,
    "identity": identity.build,
    # Last: its `/` and static mount are included after every API route, as the all-in-one always had them.
    "dashboard": dashboard.build,
}


def all_services() -> list[ServiceParts]:
    return [build() for build in SERVICES.values()]
