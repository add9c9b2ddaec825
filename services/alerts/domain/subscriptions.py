"""Subscriptions: which alerts a subscriber hears of, and how webhooks are signed and retried."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.alerts.domain.alerts import severity_rank


@dataclass(frozen=True)
class Match:
    types: tuple[str, ...]
    min_severity: str
    unit_prefix: str | None

    def accepts(self, type_: str, severity: str, unit: str) -> bool:
        if self.types and type_ not in self.types:
            return False
        if severity_rank(severity) < severity_rank(self.min_severity):
            return False
        p = self.unit_prefix
        return not p or unit == p or unit.startswith(p + "-")


def signature(secret: str, body: bytes) -> str:
    """The X-M2C-Signature header: sha256=<hex HMAC-SHA256 of the exact body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_s(attempt: int, *, base_s: float, cap_s: float) -> float:
    """Pause before retry number `attempt` (1 = after the first failure): base·2^(n-1), capped."""
    return min(cap_s, base_s * 2 ** max(0, attempt - 1))


def url_problem(url: str, allowed_hosts: Sequence[str] = ()) -> str | None:
    """Why a webhook URL is not acceptable, or None.

    http/https only, a host, no credentials; with an allow-list, the host must be on it
    (an entry `.example.com` allows that domain's subdomains).
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # noqa: F841  (raises on a bad port)
    except ValueError as exc:
        return f"not a URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return "only http and https URLs are allowed"
    if not parts.hostname:
        return "the URL has no host"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "credentials in the URL are not allowed; use the signing secret"
    if allowed_hosts:
        host = parts.hostname.lower()
        ok = any(host == a.lower() or (a.startswith(".") and host.endswith(a.lower())) for a in allowed_hosts)
        if not ok:
            return f"host {host} is not on the webhook allow-list"
    return None
