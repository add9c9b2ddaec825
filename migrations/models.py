"""Every service's tables on the one shared MetaData: what the migrations must produce."""

from __future__ import annotations

from sqlalchemy import MetaData


def target_metadata() -> MetaData:
    import services.alerts.adapters.tables  # noqa: F401  (each import registers its tables)
    import services.audit_link.adapters.tables  # noqa: F401
    import services.bill_review.adapters.tables  # noqa: F401
    import services.scoring.adapters.tables  # noqa: F401
    import shared.idempotency_tables  # noqa: F401
    import shared.identity.tables  # noqa: F401
    import shared.messaging.tables  # noqa: F401
    from shared.db import metadata

    return metadata
