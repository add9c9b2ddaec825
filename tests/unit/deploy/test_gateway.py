"""The production front door against the routes the services really have.

deploy/gateway/nginx.conf (compose) and deploy/k8s/ingress.yaml (Kubernetes) put every service behind the one
origin the dashboard calls. Each service's routers are built here (no server, no database), and every path they
declare must reach the service that declares it, through both, and nothing else may be routed anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
NGINX_CONF = DEPLOY / "gateway" / "nginx.conf"
API = "/api/v1/"
GATEWAY_PORT = 8080
# Ops endpoints that stay inside: Prometheus and the probes reach each service directly. /readyz would also
# tell the world the database's error messages.
INTERNAL_OPS = {"/metrics", "/readyz"}
MIN_BODY_BYTES = 200 * 2**20  # bulk CSV/NDJSON imports


# --- what the code declares ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def declared() -> list[tuple[str, bool, str]]:
    """(path, is a mount, registry name) for every route and mount of every service's routers."""
    from services.registry import SERVICES

    return [(path_of(route), not hasattr(route, "methods"), name)
            for name, build in SERVICES.items() for router in build().routers for route in router.routes]


def path_of(route: BaseRoute) -> str:
    assert isinstance(route, Route | Mount | WebSocketRoute), route  # the kinds of route that have a path
    return route.path


def sample(path: str, *, mount: bool) -> str:
    """A concrete request path for a declared one: parameters filled in, a file under a mount."""
    concrete = re.sub(r"\{[^}]*\}", "x", path)
    return concrete.rstrip("/") + "/x.js" if mount else concrete


@pytest.fixture(scope="module")
def public_requests(declared) -> list[tuple[str, str]]:
    """(request path, owning service) for every declared path."""
    return [(sample(path, mount=mount), name) for path, mount, name in declared]


def first_segment(path: str) -> str:
    return path[len(API):].split("/")[0]


@pytest.fixture(scope="module")
def segment_owner(declared) -> dict[str, str]:
    """/api/v1/<segment> → the one service whose routes start with it."""
    owners: dict[str, set[str]] = {}
    for path, _, name in declared:
        if path.startswith(API):
            owners.setdefault(first_segment(path), set()).add(name)
    shared = {seg: sorted(names) for seg, names in owners.items() if len(names) > 1}
    assert not shared, f"/api/v1/<segment> owned by more than one service: {shared}"
    return {seg: next(iter(names)) for seg, names in owners.items()}


def owned(segment_owner: dict[str, str], service: str) -> set[str]:
    return {seg for seg, owner in segment_owner.items() if owner == service}


def ops_paths() -> set[str]:
    from shared.http import ops

    return {path_of(route) for route in ops.router.routes}


def test_api_segments_are_plain_and_owned_once(segment_owner):
    for segment, owner in segment_owner.items():
        # A parameter there could not be routed by prefix.
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", segment), f"{owner}: /api/v1/{segment}"
    assert {"scoring", "audit-link", "alerts", "bulletin"} <= set(segment_owner.values())


def test_internal_ops_endpoints_exist():
    # Otherwise the "not exposed" checks below would pass for a path nobody serves.
    assert INTERNAL_OPS | {"/healthz"} <= ops_paths()


# --- compose and Kubernetes: which host or Service runs which registry service ---------------------

def served(argv) -> str | None:
    return argv[2] if list(argv[:2]) == ["m2c", "serve"] and len(argv) == 3 else None


@pytest.fixture(scope="module")
def compose_services(compose) -> dict:
    return compose["services"]


def compose_app(compose_services: dict, host: str, port: int) -> str | None:
    """The registry service behind http://host:port in the compose network."""
    svc = compose_services.get(host)
    if svc is None or served(svc.get("command") or []) is None:
        return None
    assert int(svc["environment"]["M2C_PORT"]) == port, f"{host} listens on {svc['environment']['M2C_PORT']}"
    return served(svc["command"])


@pytest.fixture(scope="module")
def k8s(k8s_docs) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in k8s_docs}


def k8s_app(k8s: dict, service: str, port: int | str) -> str | None:
    """The registry service behind a k8s Service's port (number or name)."""
    svc = k8s.get(("Service", service))
    if svc is None:
        return None
    ports = svc["spec"]["ports"]
    assert any(port in (p["port"], p.get("name")) for p in ports), f"Service {service} has no port {port}"
    selector = svc["spec"]["selector"].items()
    (deployment,) = [d for (kind, _), d in k8s.items()
                     if kind == "Deployment" and selector <= d["spec"]["template"]["metadata"]["labels"].items()]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return served(container["command"] + container.get("args", []))


# --- nginx --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Location:
    modifier: str  # "", "=", "^~", "~" or "~*"
    pattern: str
    body: str

    @property
    def upstream(self) -> tuple[str, int] | None:
        target = re.search(r"^\s*proxy_pass\s+http://([\w.-]+):(\d+)", self.body, re.M)
        return (target[1], int(target[2])) if target else None

    @property
    def returns(self) -> int | None:
        status = re.search(r"^\s*return\s+(\d{3})\b", self.body, re.M)
        return int(status[1]) if status else None


def nginx_text() -> str:
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())


def nginx_locations() -> list[Location]:
    text = nginx_text()
    # Bodies are flat (no nested blocks); a brace in a body would make this see a truncated location.
    found = [Location(m[1] or "", m[2], m[3])
             for m in re.finditer(r"\blocation\s+(=|\^~|~\*|~)?\s*(\S+)\s*\{([^{}]*)\}", text)]
    assert len(found) == text.count("location "), "a location block the parser does not understand"
    for loc in found:
        assert (loc.upstream is None) != (loc.returns is None), f"location {loc.pattern}: proxy_pass or return"
    return found


def nginx_pick(locations: list[Location], uri: str) -> Location | None:
    """nginx's choice: exact match; else the longest prefix, kept if ^~; else the first regex; else that prefix."""
    for loc in locations:
        if loc.modifier == "=" and loc.pattern == uri:
            return loc
    prefixes = [loc for loc in locations if loc.modifier in ("", "^~") and uri.startswith(loc.pattern)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for loc in locations:
        if loc.modifier in ("~", "~*") and re.search(loc.pattern, uri, re.I if loc.modifier == "~*" else 0):
            return loc
    return longest


def nginx_route(compose_services: dict, uri: str) -> str | None:
    """The registry service nginx sends uri to, or None if the gateway answers itself."""
    loc = nginx_pick(nginx_locations(), uri)
    assert loc is not None, f"nginx has no location for {uri}"
    if loc.upstream is None:
        return None
    app = compose_app(compose_services, *loc.upstream)
    assert app is not None, f"{uri}: proxy_pass to {loc.upstream}, not an `m2c serve` service in compose"
    return app


def test_nginx_routes_every_declared_path_to_its_owner(compose_services, public_requests):
    for uri, owner in public_requests:
        assert nginx_route(compose_services, uri) == owner, uri


def test_nginx_api_locations_list_exactly_the_owned_segments(compose_services, segment_owner):
    listed: dict[str | None, set[str]] = {}  # None: a location whose upstream serves no registry app
    for loc in nginx_locations():
        if loc.upstream is None or not loc.pattern.lstrip("^").startswith("/api/"):
            continue
        # The one form the gateway uses for API routes: a regex over whole first segments.
        form = re.fullmatch(r"\^/api/v1/\(([a-z0-9|-]+)\)\(\?:/\|\$\)", loc.pattern)
        assert loc.modifier == "~" and form, f"unexpected API location {loc.modifier} {loc.pattern}"
        app = compose_app(compose_services, *loc.upstream)
        listed.setdefault(app, set()).update(form[1].split("|"))
    expected = {app: owned(segment_owner, app) for app in set(segment_owner.values())}
    assert listed == expected


def test_nginx_proxies_nothing_but_declared_paths(public_requests):
    # Every proxying location must be the one chosen for some path its service declares: no stray exposure.
    locations = nginx_locations()
    used = {id(nginx_pick(locations, uri)) for uri, _ in public_requests}
    stray = [f"{loc.modifier} {loc.pattern}" for loc in locations if loc.upstream and id(loc) not in used]
    assert not stray


def test_nginx_keeps_ops_endpoints_internal(compose_services):
    for path in INTERNAL_OPS:
        assert nginx_route(compose_services, path) is None, path
        picked = nginx_pick(nginx_locations(), path)
        assert picked is not None and picked.returns == 404, path
    unknown = API + "no-such-prefix"
    assert nginx_route(compose_services, unknown) is None
    health = nginx_pick(nginx_locations(), "/healthz")
    assert health is not None and health.upstream is None and health.returns == 200


def size_bytes(value: str) -> int:
    size = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert size is not None, value
    number, unit = size.groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit.lower()]


def test_nginx_server_settings():
    text = nginx_text()
    assert re.findall(r"^\s*listen\s+([^;]+);", text, re.M) == [str(GATEWAY_PORT)]
    # Runs as any user: nothing written outside /tmp.
    assert re.search(r"^\s*pid\s+/tmp/\S+;", text, re.M)
    temp_paths = dict(re.findall(r"^\s*(\w+_temp_path)\s+(\S+);", text, re.M))
    assert set(temp_paths) == {f"{m}_temp_path" for m in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    assert all(p.startswith("/tmp/") for p in temp_paths.values()), temp_paths
    assert not re.search(r"^\s*user\s", text, re.M)
    (body_size,) = re.findall(r"^\s*client_max_body_size\s+(\S+);", text, re.M)
    assert size_bytes(body_size) >= MIN_BODY_BYTES
    headers = dict(re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(\S+);", text, re.M))
    for name in ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-ID"):
        assert name in headers, name
    from shared.http.app import CORRELATION_HEADER

    assert CORRELATION_HEADER in headers


def test_nginx_headers_are_not_shadowed_in_locations():
    # One proxy_set_header in a location drops every server-level one there (nginx inheritance).
    for loc in nginx_locations():
        assert "proxy_set_header" not in loc.body, loc.pattern


# --- Kubernetes Ingress -------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    path: str
    path_type: str
    service: str
    port: int | str


def ingress_rules(k8s) -> list[Rule]:
    ingresses = [d for (kind, _), d in k8s.items() if kind == "Ingress"]
    (ingress,) = ingresses
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"]
    out = []
    for p in rule["http"]["paths"]:
        backend = p["backend"]["service"]
        port = backend["port"].get("number", backend["port"].get("name"))
        out.append(Rule(p["path"], p["pathType"], backend["name"], port))
    return out


def ingress_pick(rules: list[Rule], uri: str) -> Rule | None:
    """Kubernetes semantics: Exact, or Prefix by whole path elements; the longest path wins, Exact on a tie."""
    def matches(rule: Rule) -> bool:
        if rule.path_type == "Exact":
            return uri == rule.path
        assert rule.path_type == "Prefix", rule
        base = rule.path.rstrip("/")
        return uri == base or uri.startswith(base + "/")

    candidates = [r for r in rules if matches(r)]
    return max(candidates, key=lambda r: (len(r.path), r.path_type == "Exact"), default=None)


def test_ingress_backends_are_services_with_that_port(k8s):
    for rule in ingress_rules(k8s):
        assert ("Service", rule.service) in k8s, rule
        assert k8s_app(k8s, rule.service, rule.port), f"{rule}: Service runs no `m2c serve` Deployment"


def test_ingress_routes_every_declared_path_to_its_owner(k8s, public_requests):
    rules = ingress_rules(k8s)
    for uri, owner in public_requests:
        rule = ingress_pick(rules, uri)
        assert rule is not None, f"no Ingress path for {uri}"
        assert k8s_app(k8s, rule.service, rule.port) == owner, uri


def test_ingress_api_paths_list_exactly_the_owned_segments(k8s, segment_owner):
    listed: dict[str | None, set[str]] = {}  # None: a location whose upstream serves no registry app
    for rule in ingress_rules(k8s):
        if rule.path.startswith("/api/"):
            form = re.fullmatch(r"/api/v1/([a-z0-9-]+)", rule.path)
            assert form and rule.path_type == "Prefix", rule
            listed.setdefault(k8s_app(k8s, rule.service, rule.port), set()).add(form[1])
    assert listed == {app: owned(segment_owner, app) for app in set(segment_owner.values())}


def test_ingress_routes_nothing_but_declared_paths(k8s, public_requests):
    rules = ingress_rules(k8s)
    used = {ingress_pick(rules, uri) for uri, _ in public_requests}
    assert [r for r in rules if r not in used] == []


def test_ingress_keeps_ops_endpoints_internal(k8s):
    rules = ingress_rules(k8s)
    for path in INTERNAL_OPS | {API + "no-such-prefix"}:
        assert ingress_pick(rules, path) is None, path


# --- compose wiring ------------------------------------------------------------------------------

def test_compose_gateway(compose_services):
    gateway = compose_services["gateway"]
    assert gateway["image"].startswith("nginx:1.27")
    assert "./gateway/nginx.conf:/etc/nginx/nginx.conf:ro" in gateway["volumes"]
    assert gateway["ports"] == [f"{GATEWAY_PORT}:{GATEWAY_PORT}"]
    deps = gateway["depends_on"]
    upstreams = {loc.upstream[0] for loc in nginx_locations() if loc.upstream}
    assert upstreams <= set(deps)


def bulletin_url_vars() -> dict[str, str]:
    """M2C_BULLETIN_*_URL → the registry service it must point at, from the bulletin's own settings."""
    from services.bulletin.config import BulletinSettings

    prefix = BulletinSettings.model_config["env_prefix"]
    return {f"{prefix}{field}".upper(): field.removesuffix("_url").replace("_", "-")
            for field in BulletinSettings.model_fields if field.endswith("_url")}


def test_bulletin_urls_point_at_the_services_in_compose(compose_services):
    from services.registry import SERVICES

    expected = bulletin_url_vars()
    assert set(expected.values()) <= set(SERVICES)
    env = compose_services["bulletin"]["environment"]
    assert served(compose_services["bulletin"]["command"]) == "bulletin"
    for var, target in expected.items():
        url = urlsplit(env[var])
        assert url.scheme == "http" and url.path in ("", "/"), env[var]
        assert compose_app(compose_services, url.hostname, url.port or 80) == target, var


def test_bulletin_urls_point_at_the_services_in_k8s(k8s):
    (container,) = k8s[("Deployment", "bulletin")]["spec"]["template"]["spec"]["containers"]
    assert served(container["command"]) == "bulletin"
    env = {e["name"]: e["value"] for e in container["env"]}
    for var, target in bulletin_url_vars().items():
        url = urlsplit(env[var])
        assert url.scheme == "http" and url.path in ("", "/"), env[var]
        assert k8s_app(k8s, url.hostname, url.port or 80) == target, var


# --- the registry --------------------------------------------------------------------------------

def test_embedded_app_serves_the_dashboard_once(tmp_path):
    from services.embedded import build_app
    from shared.settings import Settings

    app = build_app(Settings(data_dir=tmp_path, jwt_secret="test"))
    # FastAPI may keep an included router as one entry (original_router) instead of copying its routes.
    routers = [getattr(route, "original_router", None) for route in app.routes]
    paths = [path_of(route) for route, router in zip(app.routes, routers, strict=True) if router is None]
    paths += [route.path for router in routers if router is not None for route in router.routes]
    assert paths.count("/") == 1
    assert paths.count("/dashboard/static") == 1


def test_a_service_without_consumers_or_workers_starts():
    from services.registry import SERVICES
    from shared.http.app import create_app
    from shared.settings import Settings

    # The engine connects lazily, so nothing here reaches this (closed) database port.
    settings = Settings(database_url="postgresql+asyncpg://m2c@127.0.0.1:9/m2c", kafka_bootstrap=None,
                        jwt_secret="test")
    parts = SERVICES["dashboard"]()
    assert not parts.consumers and not parts.workers
    with TestClient(create_app(settings, [parts], title="m2c dashboard")) as client:
        assert client.get("/healthz").status_code == 200
        page = client.get("/")
        assert page.status_code == 200 and "/dashboard/static/" in page.text
        assert client.get("/dashboard/static/app.css").status_code == 200
