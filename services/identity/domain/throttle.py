"""Sign-in throttling: too many failures for one account or from one address lock sign-in for a while."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    max_per_account: int
    max_per_address: int
    window_s: int


def retry_after_s(policy: ThrottlePolicy, account_failures: int, address_failures: int) -> int | None:
    """Seconds to wait before trying again, or None when a sign-in may be tried now."""
    if account_failures >= policy.max_per_account or address_failures >= policy.max_per_address:
        return policy.window_s
    return None
