"""Accounts, sign-in sessions, API keys and the audit trail, over the real app and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, SMALL_BUREAU_ORG, embedded_client

ADMIN = token("admin", subject="ops-admin")
PASSWORD = "correct-horse-42"


async def _bureau(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG}, headers=ADMIN)
    assert r.status_code in (200, 201), r.text


async def _user(client: httpx.AsyncClient, name: str, roles: list[str], units: list[str] | None = None) -> None:
    r = await client.post("/api/v1/users", headers=ADMIN, json={
        "name": name, "display_name": "张伟", "password": PASSWORD, "roles": roles, "units": units or []})
    assert r.status_code == 201, r.text
    assert "password" not in r.text and r.json()["roles"] == roles


async def _sign_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"name": name, "password": password})


async def test_a_signed_in_clerk_writes_with_the_csrf_token_and_the_trail_says_who(settings: Settings) -> None:
    async with embedded_client(settings) as client:
        await _bureau(client)
        await _user(client, "zhang.wei", ["station"], ["QY-QC-01"])
        r = await _sign_in(client, "zhang.wei")
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"]
        assert "m2c_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        csrf = r.json()["csrf_token"]
        assert r.json()["user"]["display_name"] == "张伟"

        me = await client.get("/api/v1/auth/me")  # the cookie alone
        assert me.status_code == 200 and me.json()["subject"] == "user:zhang.wei"
        assert me.json()["units"] == ["QY-QC-01"]

        no_csrf = await client.post("/api/v1/errors", json=ERROR_BODY)
        assert no_csrf.status_code == 403 and "X-CSRF-Token" in no_csrf.json()["detail"]
        ok = await client.post("/api/v1/errors", json=ERROR_BODY, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201, ok.text
        elsewhere = await client.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-YD-01"},
                                      headers={"X-CSRF-Token": csrf})
        assert elsewhere.status_code in (403, 404)  # the account's subtree holds on writes

        client.cookies.clear()
        trail = (await client.get("/api/v1/audit-trail?path=/api/v1/errors", headers=ADMIN)).json()["items"]
        assert [(e["actor"], e["method"], e["status"]) for e in trail] == [
            ("user:zhang.wei", "POST", elsewhere.status_code), ("user:zhang.wei", "POST", 201),
            ("anonymous", "POST", 403)]  # newest first; the refused write had no authenticated caller
        assert all(e["address"] for e in trail) and trail[1]["correlation_id"]


async def test_sign_out_and_disabling_end_a_session_at_once(settings: Settings) -> None:
    async with embedded_client(settings) as client:
        await _user(client, "li.na", ["viewer"])
        await _user(client, "wang.fang", ["viewer"])
        first = await _sign_in(client, "li.na")
        csrf = first.json()["csrf_token"]
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        out = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        client.cookies.set("m2c_session", first.cookies["m2c_session"])  # a copied cookie is dead too
        assert (await client.get("/api/v1/auth/me")).status_code == 401

        client.cookies.clear()
        await _sign_in(client, "wang.fang")
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        session = client.cookies["m2c_session"]
        r = await client.patch("/api/v1/users/wang.fang", json={"disabled": True}, headers=ADMIN)
        assert r.status_code == 200 and r.json()["disabled"] is True
        assert (await client.get("/api/v1/auth/me")).status_code == 401
        assert client.cookies["m2c_session"] == session  # the same cookie, refused from now on
        again = await _sign_in(client, "wang.fang")
        assert again.status_code == 401 and "m2c_session" not in again.headers.get("set-cookie", "")


async def test_failed_sign_ins_are_throttled_per_account_and_per_address(settings: Settings,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M2C_IDENTITY_MAX_FAILURES_PER_ACCOUNT", "3")
    monkeypatch.setenv("M2C_IDENTITY_MAX_FAILURES_PER_ADDRESS", "5")
    async with embedded_client(settings) as client:
        await _user(client, "chen.jie", ["viewer"])
        await _user(client, "zhao.lei", ["viewer"])
        for _ in range(3):
            assert (await _sign_in(client, "chen.jie", "wrong-password-1")).status_code == 401
        locked = await _sign_in(client, "chen.jie")  # even the right password waits now
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
        assert (await _sign_in(client, "zhao.lei")).status_code == 200  # another account is not locked

        for name in ("nobody-1", "nobody-2"):  # the address collects failures across names
            assert (await _sign_in(client, name, "x")).status_code == 401
        assert (await _sign_in(client, "zhao.lei")).status_code == 429


async def test_api_keys_are_shown_once_scoped_recorded_and_revocable(settings: Settings) -> None:
    async with embedded_client(settings) as client:
        await _bureau(client)
        created = await client.post("/api/v1/api-keys", headers=ADMIN,
                                    json={"name": "营销系统", "roles": ["station"], "units": ["QY-QC-01"]})
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        assert key.startswith("m2ck_")
        listed = await client.get("/api/v1/api-keys", headers=ADMIN)
        assert key not in listed.text and listed.json()[0]["last_used_at"] is None

        as_key = {"Authorization": f"Bearer {key}"}
        assert (await client.post("/api/v1/errors", json=ERROR_BODY, headers=as_key)).status_code == 201
        assert (await client.post("/api/v1/errors", json={**ERROR_BODY, "unit": "QY-YD-01"},
                                  headers=as_key)).status_code in (403, 404)
        [row] = (await client.get("/api/v1/api-keys", headers=ADMIN)).json()
        assert row["last_used_at"] is not None
        assert (await client.get("/api/v1/audit-trail?actor=apikey:营销系统", headers=ADMIN)).json()["items"]

        assert (await client.delete(f"/api/v1/api-keys/{row['id']}", headers=ADMIN)).status_code == 200
        refused = await client.get("/api/v1/errors", headers=as_key)
        assert refused.status_code == 401 and "吊销" in refused.json()["detail"]
        forged = await client.get("/api/v1/errors", headers={"Authorization": f"Bearer {key[:-2]}xx"})
        assert forged.status_code == 401


async def test_accounts_and_the_trail_are_for_admins_only_and_inputs_are_checked(settings: Settings) -> None:
    async with embedded_client(settings) as client:
        clerk = token("customer_service")
        assert (await client.get("/api/v1/audit-trail", headers=clerk)).status_code == 403
        assert (await client.get("/api/v1/users", headers=clerk)).status_code == 403
        assert (await client.post("/api/v1/api-keys", headers=clerk,
                                  json={"name": "x", "roles": ["admin"]})).status_code == 403
        bad = await client.post("/api/v1/users", headers=ADMIN, json={
            "name": "Bad Name", "password": "short", "roles": ["station", "wizard"], "units": []})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {"body.name", "body.password", "body.roles",
                                                               "body.units"}
        await _user(client, "sun.li", ["viewer"])
        dup = await client.post("/api/v1/users", headers=ADMIN, json={
            "name": "sun.li", "password": PASSWORD, "roles": ["viewer"]})
        assert dup.status_code == 409
        page = (await client.get("/api/v1/audit-trail?limit=2", headers=ADMIN)).json()
        older = (await client.get(f"/api/v1/audit-trail?limit=2&cursor={page['next_cursor']}",
                                  headers=ADMIN)).json()
        assert [e["id"] for e in page["items"]] > [e["id"] for e in older["items"]]
        assert {e["id"] for e in page["items"]}.isdisjoint(e["id"] for e in older["items"])


def test_m2c_user_commands_create_change_and_disable_an_account(settings: Settings,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from services.cli import _register_service_commands, app

    monkeypatch.setenv("M2C_DATABASE_URL", settings.required_database_url())
    _register_service_commands()
    runner = CliRunner()
    made = runner.invoke(app, ["user", "create", "liu.yang", "--role", "audit_center", "--display-name", "刘洋"])
    assert made.exit_code == 0, made.output
    password = made.stdout.strip().splitlines()[-1]
    assert len(password) >= 16
    again = runner.invoke(app, ["user", "create", "liu.yang", "--role", "viewer"])
    assert again.exit_code == 1 and "已存在" in again.output
    changed = runner.invoke(app, ["user", "passwd", "liu.yang", "--password-stdin"], input="new-pass-2026\n")
    assert changed.exit_code == 0, changed.output
    assert runner.invoke(app, ["user", "disable", "liu.yang"]).exit_code == 0

    import asyncio

    async def rows():
        import asyncpg

        conn = await asyncpg.connect(settings.required_database_url().replace("+asyncpg", ""))
        try:
            return await conn.fetch("SELECT name, display_name, roles, disabled, password_hash FROM m2c_users")
        finally:
            await conn.close()

    [row] = asyncio.run(rows())
    assert (row["name"], row["display_name"], row["roles"], row["disabled"]) == ("liu.yang", "刘洋",
                                                                                ["audit_center"], True)
    assert row["password_hash"].startswith("$argon2id$")
