from __future__ import annotations

import pytest

from shared.auth import InvalidToken, create_token, decode_token

SECRET = "unit-secret-of-at-least-thirty-two-bytes"


def test_token_round_trip_carries_roles_and_units() -> None:
    p = decode_token(SECRET, create_token(SECRET, ["station"], units=["QY-QC-01"], subject="clerk-7"))
    assert (p.subject, p.roles, p.units) == ("clerk-7", frozenset({"station"}), ("QY-QC-01",))


@pytest.mark.parametrize(("unit", "visible"), [
    ("QY-QC", True), ("QY-QC-01", True), ("QY-QC-01-A", True), ("QY-QCX", False), ("QY", False), ("QY-YD-01", False),
])
def test_unit_scope_is_the_subtree(unit: str, visible: bool) -> None:
    p = decode_token(SECRET, create_token(SECRET, ["customer_service"], units=["QY-QC"]))
    assert p.may_see(unit) is visible
    assert p.unit_prefixes() == ("QY-QC",)


def test_admin_and_unscoped_city_roles_see_everything() -> None:
    assert decode_token(SECRET, create_token(SECRET, ["admin"], units=["QY-QC"])).may_see("QY-YD-01")
    assert decode_token(SECRET, create_token(SECRET, ["marketing"])).unit_prefixes() is None


def test_bad_tokens_are_refused() -> None:
    with pytest.raises(InvalidToken):
        decode_token("another-secret-of-thirty-two-bytes!!", create_token(SECRET, ["admin"]))
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(SECRET, create_token(SECRET, ["admin"], ttl_s=10, now=1_000_000))
    with pytest.raises(ValueError, match="unknown role"):
        create_token(SECRET, ["root"])
    with pytest.raises(ValueError, match="needs --unit"):
        create_token(SECRET, ["station"])
