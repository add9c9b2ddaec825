"""The authorization matrix (issue 11.6), generated from the routers: every operation × every role,
and the unit-addressed operations × inside/outside the caller's subtree.

"The design" is what each route declares: the roles of its `require_roles(...)` dependency (none:
any authenticated caller) and the one scope rule of shared/scope.py. So:
- no token → 401 on every protected operation;
- a role the route does not name → 403; a role it names → neither 401 nor 403;
- a scoped caller reading or writing a resource of another county → 404 (as if absent), and of its
  own county → not 404; a write whose body names another county's unit → 403 naming the field."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from shared.auth import ROLES
from shared.clock import ManualClock
from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import ERROR_BODY, EmbeddedClient, app_of, embedded_client, org_of

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ADMIN = token("admin")
SAMPLE = {"period": "2026-10", "unit": "QY-QC-01", "fmt": "html", "year": "2026", "kind": "customers",
          "code": "QY-QC-01", "name": "nobody", "customer_no": "C-NONE"}


def _routes(app: Any) -> Iterator[tuple[str, set[str], APIRoute]]:
    """(path template, methods, route) of every API route, through included routers."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included-router contexts: the routes are flat
        for r in app.routes:
            if isinstance(r, APIRoute):
                yield r.path_format, set(r.methods or ()), r
        return
    for c in iter_route_contexts(app.routes):
        if isinstance(c.route, APIRoute):
            assert c.path_format is not None  # an API route has a path
            yield c.path_format, set(c.methods or ()), c.route


def _declared_roles(route: APIRoute) -> frozenset[str] | None:
    """The roles the route's caller dependency demands (empty: any caller); None: an open route."""
    for dep in route.dependant.dependencies:
        roles = getattr(dep.call, "roles", None)
        if isinstance(roles, frozenset):
            return roles
    return None


def _path(path_format: str) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m.group(1).split(":")[0]
        if name in SAMPLE:
            return SAMPLE[name]
        return "1" if name.endswith("_id") and "suspect" in name else str(uuid.uuid4())
    return re.sub(r"\{([^}]+)\}", fill, path_format)


def _operations(app: Any) -> list[tuple[str, str, frozenset[str]]]:
    ops = []
    for path_format, methods, route in _routes(app):
        if (roles := _declared_roles(route)) is None:
            continue
        for method in sorted(methods - {"HEAD"}):
            ops.append((method, _path(path_format), roles))
    return ops


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, clock=ManualClock(NOW)) as c:
        r = await c.post("/api/v1/org-units", json={"units": org_of("QY-QC-01", "QY-FG-06")}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield c


async def test_every_operation_by_every_role(client: httpx.AsyncClient) -> None:
    ops = _operations(app_of(client))
    assert len(ops) >= 45
    wrong: list[str] = []
    for method, path, roles in ops:
        r = await client.request(method, path)
        if r.status_code != 401:
            wrong.append(f"{method} {path} without a token: {r.status_code}")
        for role in ROLES:
            units = ("QY-QC-01",) if role == "station" else ()
            r = await client.request(method, path, headers=token(role, units=units, subject=f"matrix-{role}"))
            allowed = not roles or role in roles
            if allowed and r.status_code in (401, 403) and "角色" in r.text:
                wrong.append(f"{method} {path} as {role}: refused {r.status_code} though the route allows it")
            if not allowed and r.status_code != 403:
                wrong.append(f"{method} {path} as {role}: {r.status_code}, the route allows only {sorted(roles)}")
            if r.status_code >= 500:
                wrong.append(f"{method} {path} as {role}: {r.status_code}")
    assert not wrong, "\n".join(wrong)


def _filled(template: str, ids: dict[str, str]) -> str:
    """The path template with each {param} replaced by the id seeded for it."""
    return re.sub(r"\{(\w+)\}", lambda m: ids[m[1]], template)


async def _seed(c: httpx.AsyncClient, unit: str) -> dict[str, str]:
    """One resource of each unit-addressed kind, in `unit`."""
    ids = {}
    r = await c.post("/api/v1/errors", json={**ERROR_BODY, "unit": unit}, headers=ADMIN)
    ids["error"] = r.json()["id"]
    r = await c.post("/api/v1/tickets", json={"unit": unit, "period": "2026-10", "detail": "电费异常"},
                     headers=ADMIN)
    ids["ticket"] = r.json()["id"]
    r = await c.post("/api/v1/silences", headers=ADMIN, json={
        "matchers": [{"name": "unit", "value": unit}], "ends_at": "2026-12-01T00:00:00+08:00"})
    ids["silence"] = r.json()["id"]
    r = await c.post("/api/v1/subscriptions", headers=ADMIN, json={
        "name": unit, "match": {"unit_prefix": unit}, "channel": {"type": "kafka"}})
    ids["subscription"] = r.json()["id"]
    r = await c.post("/api/v1/credit/import/customers", content=f"customer_no,unit\nC-{unit},{unit}\n",
                     headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    ids["customer"] = f"C-{unit}"
    ids["unit"] = unit
    return ids


# (method, path template, JSON body): every operation that addresses one unit's resource.
UNIT_ADDRESSED = [
    ("GET", "/api/v1/errors/{error}", None),
    ("POST", "/api/v1/errors/{error}/transitions", {"action": "close"}),
    ("GET", "/api/v1/tickets/{ticket}", None),
    ("POST", "/api/v1/tickets/{ticket}/transitions", {"action": "close"}),
    ("DELETE", "/api/v1/silences/{silence}", None),
    ("GET", "/api/v1/subscriptions/{subscription}", None),
    ("GET", "/api/v1/subscriptions/{subscription}/deliveries", None),
    ("GET", "/api/v1/credit/customers/{customer}", None),
    ("GET", "/api/v1/scores/{unit}/trend?from=2026-01&to=2026-10", None),
]


async def test_unit_addressed_operations_inside_and_outside_the_subtree(client: httpx.AsyncClient) -> None:
    app = app_of(client)
    declared = {(m, p): _declared_roles(r) for p, methods, r in _routes(app) for m in methods}
    inside, outside = await _seed(client, "QY-QC-01"), await _seed(client, "QY-FG-06")
    wrong: list[str] = []
    checked = 0
    for method, template, body in UNIT_ADDRESSED:
        route_path = re.sub(r"\{(\w+)\}", lambda m: "{" + {"error": "error_id", "ticket": "ticket_id",
                                                              "silence": "silence_id", "subscription": "sub_id",
                                                              "customer": "customer_no", "unit": "unit"}[m[1]] + "}",
                            template.split("?")[0])
        roles = declared[(method, route_path)]
        assert roles is not None, route_path
        for role in sorted(roles or ROLES):
            if role in ("admin", "system"):
                continue  # they see every unit
            headers = token(role, units=("QY-QC",), subject=f"scoped-{role}")
            if method == "DELETE":  # the previous role deleted its own county's silence: a new one
                inside["silence"] = (await client.post("/api/v1/silences", headers=ADMIN, json={
                    "matchers": [{"name": "unit", "value": "QY-QC-01"}],
                    "ends_at": "2026-12-01T00:00:00+08:00"})).json()["id"]
            for ids, expect_404 in ((outside, True), (inside, False)):
                path = _filled(template, ids)
                r = await client.request(method, path, headers=headers, json=body)
                checked += 1
                if expect_404 and r.status_code != 404:
                    wrong.append(f"{method} {path} as {role}@QY-QC (other county): {r.status_code} {r.text[:120]}")
                if not expect_404 and r.status_code in (401, 404):
                    wrong.append(f"{method} {path} as {role}@QY-QC (own county): {r.status_code} {r.text[:120]}")
    assert checked >= 30
    assert not wrong, "\n".join(wrong)


BODY_ADDRESSED = [
    ("POST", "/api/v1/errors", {**ERROR_BODY, "unit": "QY-FG-06"}, "body.unit"),
    ("POST", "/api/v1/tickets", {"unit": "QY-FG-06", "period": "2026-10", "detail": "x"}, "body.unit"),
    ("POST", "/api/v1/silences", {"matchers": [{"name": "unit", "value": "QY-FG-06"}],
                                  "ends_at": "2026-12-01T00:00:00+08:00"}, "body.matchers"),
    ("PUT", "/api/v1/facts/2026-10/counters", {"batch_id": "m", "rows": [{"unit": "QY-FG-06", "counters": {}}]},
     "body.rows[0].unit"),
    ("PUT", "/api/v1/recovery/2026-10/facts", {"rows": [{"unit": "QY-FG-06"}]}, None),
]


async def test_writes_naming_another_countys_unit_are_403(client: httpx.AsyncClient) -> None:
    app = app_of(client)
    declared = {(m, p): _declared_roles(r) for p, methods, r in _routes(app) for m in methods}
    wrong = []
    for method, path, body, field in BODY_ADDRESSED:
        template = re.sub(r"/2026-10/", "/{period}/", path)
        for role in sorted(declared[(method, template)] or ROLES):
            if role in ("admin", "system"):
                continue
            r = await client.request(method, path, json=body, headers=token(role, units=("QY-QC",)))
            if r.status_code == 422 and field is None:
                continue  # the body shape is refused before the scope (no unit was written)
            if r.status_code != 403 or (field and r.json()["errors"][0]["field"] != field):
                wrong.append(f"{method} {path} as {role}@QY-QC: {r.status_code} {r.text[:160]}")
    assert not wrong, "\n".join(wrong)
