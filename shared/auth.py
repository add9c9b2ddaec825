"""Bearer JWTs: who the caller is, which roles they hold and which org subtree they may see."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

ROLES = ("admin", "customer_service", "marketing", "audit_center", "station", "viewer", "system")
# Roles that see every unit regardless of the token's `units`; a token without units sees all too
# (city-level departments), except a station token, which must name its unit.
_ALL_UNITS_ROLES = frozenset({"admin", "system"})
_ALGORITHM = "HS256"
_ISSUER = "m2c"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    units: tuple[str, ...]

    @property
    def sees_all_units(self) -> bool:
        return bool(self.roles & _ALL_UNITS_ROLES) or not self.units

    def may_see(self, unit: str) -> bool:
        """A unit is visible when it is one of the token's units or below one (codes nest by '-')."""
        if self.sees_all_units:
            return True
        return any(unit == u or unit.startswith(u + "-") for u in self.units)

    def unit_prefixes(self) -> tuple[str, ...] | None:
        """None when unrestricted; otherwise the subtrees to filter queries by."""
        return None if self.sees_all_units else self.units


def create_token(
    secret: str, roles: Iterable[str], *, units: Iterable[str] = (), subject: str | None = None,
    ttl_s: int = 3600, now: float | None = None,
) -> str:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValueError(f"unknown role(s) {unknown}; choose from {', '.join(ROLES)}")
    units = sorted(set(units))
    if "station" in roles and not units:
        raise ValueError("a station token needs --unit")
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": _ISSUER, "sub": subject or f"{roles[0]}-{uuid.uuid4().hex[:8]}",
        "iat": issued, "exp": issued + ttl_s, "roles": roles, "units": units,
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def decode_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], issuer=_ISSUER,
                            options={"require": ["exp", "sub", "iss"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    roles = claims.get("roles")
    units = claims.get("units", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles) or not isinstance(units, list):
        raise InvalidToken("malformed roles/units claims")
    return Principal(subject=str(claims["sub"]), roles=frozenset(roles) & frozenset(ROLES),
                     units=tuple(str(u) for u in units))
