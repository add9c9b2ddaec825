"""Verified JWTs are remembered until they expire, per secret: the same answers as verifying again."""

from __future__ import annotations

import time

import jwt as pyjwt
import pytest

from shared.auth import InvalidToken, create_token
from shared.http.authentication import VerifiedTokens

SECRET = "unit-secret-of-at-least-thirty-two-bytes"
OTHER = "another-secret-of-at-least-thirty-two-b"


def test_a_remembered_token_gives_the_same_principal_and_only_under_its_secret() -> None:
    tokens = VerifiedTokens()
    jwt = create_token(SECRET, ["customer_service"], units=["QY-QC"], subject="cs-1")
    first = tokens.principal(SECRET, jwt)
    assert tokens.principal(SECRET, jwt) is first  # remembered, not verified again
    assert (first.subject, first.units) == ("cs-1", ("QY-QC",))
    with pytest.raises(InvalidToken):
        tokens.principal(OTHER, jwt)  # remembered under SECRET only
    with pytest.raises(InvalidToken):
        tokens.principal(SECRET, jwt[:-2] + ("A" if jwt[-2] != "A" else "B") + jwt[-1])


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    tokens = VerifiedTokens()
    jwt = create_token(SECRET, ["admin"], ttl_s=1)
    tokens.principal(SECRET, jwt)
    expires = pyjwt.decode(jwt, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires + 0.05 - time.time()))
    with pytest.raises(InvalidToken):
        tokens.principal(SECRET, jwt)


def test_remembered_tokens_are_bounded() -> None:
    tokens = VerifiedTokens(max_tokens=2)
    jwts = [create_token(SECRET, ["admin"], subject=f"s{i}") for i in range(3)]
    assert [tokens.principal(SECRET, t).subject for t in jwts] == ["s0", "s1", "s2"]
    assert len(tokens._known) <= 2
