"""Subscriptions: which alerts a subscriber hears of, and how webhooks are signed and retried."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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


SIGNATURE_TOLERANCE_S = 300  # what docs/webhooks.md tells receivers to accept; older is a replay


def signature(secrets: Sequence[str], body: bytes, t: int) -> str:
    """The X-M2C-Signature header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, one v1 per active secret.

    v1 = HMAC-SHA256(secret, "<t>." + body): the time is signed with the body, so a captured delivery
    cannot be replayed once it is older than the receiver's tolerance. During a secret rotation the
    new secret signs first and the previous one second, so receivers switch secrets at their own pace.
    """
    message = str(t).encode() + b"." + body
    return ",".join([f"t={t}"] + [f"v1={hmac.new(s.encode(), message, hashlib.sha256).hexdigest()}"
                                  for s in secrets])


def verify_signature(header: str, secret: str, body: bytes, now: int,
                     tolerance_s: int = SIGNATURE_TOLERANCE_S) -> bool:
    """A receiver's check: some v1 matches under `secret` and t lies within the tolerance of now."""
    parts = [p.partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance_s:
        return False
    expected = signature([secret], body, int(stamps[0])).split(",")[1][3:]
    return any(k.strip() == "v1" and hmac.compare_digest(v.strip(), expected) for k, _, v in parts)


def active_secrets(secret: str | None, previous: str | None, previous_until: datetime | None,
                   now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous during its overlap."""
    out = [secret or ""]
    if previous and previous_until is not None and now < previous_until:
        out.append(previous)
    return out


def backoff_s(attempt: int, *, base_s: float, cap_s: float) -> float:
    """Pause before retry number `attempt` (1 = after the first failure): base·2^(n-1), capped."""
    return min(cap_s, base_s * 2.0 ** max(0, attempt - 1))


def url_problem(url: str, allowed_hosts: Sequence[str] = ()) -> str | None:
    """Why a webhook URL is not acceptable, or None.

    http/https only, a host, no credentials; with an allow-list, the host must be on it
    (an entry `.example.com` allows that domain's subdomains).
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # noqa: F841  (raises on a bad port)
    except ValueError as exc:
        return f"不是 URL：{exc}"
    if parts.scheme not in ("http", "https"):
        return "只允许 http 和 https 地址"
    if not parts.hostname:
        return "URL 缺少主机名"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "URL 中不得含账号密码，请改用签名密钥"
    if allowed_hosts:
        host = parts.hostname.lower()
        ok = any(host == a.lower() or (a.startswith(".") and host.endswith(a.lower())) for a in allowed_hosts)
        if not ok:
            return f"主机 {host} 不在 webhook 白名单中"
    return None
