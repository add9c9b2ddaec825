"""Random credentials and how they are stored: only a SHA-256 of a session token or an API key's secret
is kept, so a copy of the database signs nobody in (the values are 256-bit random, so no slow hash is needed)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_PREFIX = "m2ck_"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def new_api_key() -> tuple[str, str, str]:
    """(the key as shown once, its lookup prefix, the stored hash)."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, digest(key)


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of something that looks like an m2c API key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, rest = key[len(API_KEY_PREFIX):].partition("_")
    return prefix if sep and rest and len(prefix) == 12 else None


def same(stored_hash: str, presented: str) -> bool:
    return hmac.compare_digest(stored_hash, digest(presented))
