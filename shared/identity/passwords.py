"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"至少 {MIN_LENGTH} 个字符"
    if password.isdigit() or password.isalpha():
        return "须混合字母与数字或符号"
    return None


def dummy_verify(password: str) -> None:
    """Spend a verification's time for an unknown account, so timing does not reveal which names exist."""
    verify_password(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-password-of-anyone")


def generate_password() -> str:
    """A strong password for a new account (shown once): 96 random bits, with a digit and a symbol."""
    return secrets.token_urlsafe(12) + "-7"
