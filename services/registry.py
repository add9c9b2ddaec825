"""Every service by the name `m2c serve` uses; the embedded all-in-one runs them all.

Each entry reads its service's settings (M2C_<SERVICE>_*) once and hands them to the service's
`bootstrap.build(settings)`; services without settings of their own build from nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from services.alerts import bootstrap as alerts
from services.alerts.config import AlertsSettings
from services.audit_link import bootstrap as audit_link
from services.bill_review import bootstrap as bill_review
from services.bulletin import bootstrap as bulletin
from services.bulletin.config import BulletinSettings
from services.dashboard import bootstrap as dashboard
from services.identity import bootstrap as identity
from services.identity.config import IdentitySettings
from services.scoring import bootstrap as scoring
from services.scoring.config import ScoringSettings
from shared.http.app import ServiceParts

SERVICES: dict[str, Callable[[], ServiceParts]] = {
    "scoring": lambda: scoring.build(ScoringSettings()),
    "audit-link": audit_link.build,
    "alerts": lambda: alerts.build(AlertsSettings()),
    "bulletin": lambda: bulletin.build(BulletinSettings()),
    "bill-review": bill_review.build,
    "identity": lambda: identity.build(IdentitySettings()),
    # Last: its `/` and static mount are included after every API route, as the all-in-one always had them.
    "dashboard": dashboard.build,
}


def all_services() -> list[ServiceParts]:
    return [build() for build in SERVICES.values()]
