"""Static checks of deploy/: nothing here needs Docker, Kubernetes or Prometheus to run."""

import json
import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

ENV_VARS = {
    "M2C_DATABASE_URL", "M2C_KAFKA_BOOTSTRAP", "M2C_HOST", "M2C_PORT", "M2C_JWT_SECRET",
    "M2C_LOG_LEVEL", "M2C_TOPIC_PREFIX", "M2C_KAFKA_PARTITIONS", "M2C_METRICS_PORT",
    "M2C_BULLETIN_SCORING_URL", "M2C_BULLETIN_AUDIT_LINK_URL", "M2C_BULLETIN_ALERTS_URL",
    "M2C_BULLETIN_BILL_REVIEW_URL",
}
REQUIRED_ENV = {"M2C_DATABASE_URL", "M2C_KAFKA_BOOTSTRAP", "M2C_HOST", "M2C_JWT_SECRET"}
HISTOGRAMS = {"m2c_http_request_duration_seconds"}
METRICS = HISTOGRAMS | {
    "m2c_events_produced_total", "m2c_events_consumed_total", "m2c_outbox_lag",
    "m2c_outbox_oldest_age_seconds", "m2c_consumer_lag", "m2c_sla_breaches_total",
}
# Exported but not (yet) on the Grafana dashboard: alert rules may use them.
DLQ_METRICS = {"m2c_dlq_pending", "m2c_dlq_oldest_age_seconds"}
KNOWN_SERIES = METRICS | DLQ_METRICS | {f"{h}_{s}" for h in HISTOGRAMS for s in ("bucket", "sum", "count")}
CONSUMED_OUTCOMES = {"processed", "duplicate", "ignored", "dead_lettered"}
HTTP_SERVICES = {"scoring", "audit-link", "alerts", "bill-review", "bulletin", "identity", "dashboard"}
M2C_COMMANDS = {("migrate",), ("relay",)} | {("serve", s) for s in HTTP_SERVICES}
APP_PORT = 8000
RELAY_METRICS_PORT = 9100


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def is_m2c_command(argv) -> bool:
    return bool(argv) and argv[0] == "m2c" and tuple(argv[1:]) in M2C_COMMANDS


def metric_tokens(expr: str) -> set[str]:
    return set(re.findall(r"m2c_[a-z_]+", expr))


def env_names(text: str) -> set[str]:
    return set(re.findall(r"\bM2C_[A-Z0-9_]+", text))


# --- Dockerfile -------------------------------------------------------------------------------

def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text()
    logical = re.sub(r"\\\n", " ", text)
    out = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_multistage_slim_python_311():
    instr = dockerfile_instructions()
    args = dict(rest.split("=", 1) for word, rest in instr if word == "ARG" and "=" in rest)
    bases = [rest.split()[0] for word, rest in instr if word == "FROM"]
    bases = [re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), b) for b in bases]
    assert len(bases) >= 2
    assert all(b.startswith("python:3.11") and "slim" in b for b in bases), bases
    assert any(word == "COPY" and "--from=" in rest for word, rest in instr)


def test_dockerfile_runs_as_non_root_and_exposes_app_port():
    instr = dockerfile_instructions()
    users = [rest for word, rest in instr if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert any(word == "EXPOSE" and str(APP_PORT) in rest.split() for word, rest in instr)


def test_dockerfile_healthcheck_uses_python_on_healthz():
    checks = [rest for word, rest in dockerfile_instructions() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "python" in checks[0] and "/healthz" in checks[0] and "curl" not in checks[0]


def test_dockerfile_cmd_is_the_m2c_console_script():
    instr = dockerfile_instructions()
    entry = [rest for word, rest in instr if word == "ENTRYPOINT"]
    cmd = [rest for word, rest in instr if word == "CMD"]
    assert cmd, "no CMD"

    def argv(rest: str) -> list[str]:
        return json.loads(rest) if rest.startswith("[") else shlex.split(rest)

    full = (argv(entry[-1]) if entry else []) + argv(cmd[-1])
    assert full == ["m2c", "serve", "audit-link"]


# --- compose ----------------------------------------------------------------------------------

def depends(svc: dict) -> dict:
    dep = svc.get("depends_on") or {}
    return {name: {} for name in dep} if isinstance(dep, list) else dep


def builds_app_image(svc: dict) -> bool:
    return "build" in svc and svc["build"].get("dockerfile", "Dockerfile").endswith("deploy/Dockerfile")


def test_compose_services_have_image_or_build(compose):
    assert compose["services"]
    for name, svc in compose["services"].items():
        assert svc.get("image") or svc.get("build"), name


def test_compose_build_context_is_repo_root(compose):
    for name, svc in compose["services"].items():
        if "build" in svc:
            build = svc["build"]
            assert (DEPLOY / build["context"]).resolve() == ROOT, name
            assert (ROOT / build["dockerfile"]).is_file(), name


def test_compose_dependencies_exist_and_conditions_are_satisfiable(compose):
    services = compose["services"]
    for name, svc in services.items():
        for dep, spec in depends(svc).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert dep != name
            condition = (spec or {}).get("condition", "service_started")
            if condition == "service_healthy":
                target = services[dep]
                has_check = "healthcheck" in target and not target["healthcheck"].get("disable")
                assert has_check or builds_app_image(target), f"{dep} has no healthcheck"
            if condition == "service_completed_successfully":
                assert services[dep].get("restart", "no") == "no", dep


def test_compose_app_services(compose):
    services = compose["services"]
    apps = {name: svc for name, svc in services.items() if builds_app_image(svc)}
    assert set(apps) == HTTP_SERVICES | {"migrate", "relay"}
    for name, svc in apps.items():
        assert is_m2c_command(svc.get("command")), name
        env = svc.get("environment") or {}
        env = dict(e.split("=", 1) for e in env) if isinstance(env, list) else env
        assert set(env) >= REQUIRED_ENV, name
        assert env["M2C_HOST"] == "0.0.0.0", name
        if name != "migrate":
            assert depends(svc)["migrate"]["condition"] == "service_completed_successfully", name
            assert depends(svc)["kafka"]["condition"] == "service_healthy", name
    assert depends(apps["migrate"])["postgres"]["condition"] == "service_healthy"


def test_compose_http_ports_and_relay_replicas(compose):
    services = compose["services"]
    ports = {name: services[name].get("ports") for name in HTTP_SERVICES}
    # bulletin, identity and dashboard are reached through the gateway only (tests/unit/deploy/test_gateway.py).
    assert ports == {"scoring": ["8001:8000"], "audit-link": ["8002:8000"], "alerts": ["8003:8000"],
                     "bill-review": ["8004:8000"], "bulletin": None, "identity": None, "dashboard": None}
    relay = services["relay"]
    assert relay["command"] == ["m2c", "relay"]
    assert relay["deploy"]["replicas"] == 2
    assert "ports" not in relay
    assert str(RELAY_METRICS_PORT) in " ".join(relay["healthcheck"]["test"])


def test_compose_infrastructure_images(compose):
    services = compose["services"]
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:4.1")
    assert "broker" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]


def test_compose_app_env_points_at_compose_infrastructure(compose):
    services = compose["services"]
    env = services["scoring"]["environment"]
    advertised = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for server in env["M2C_KAFKA_BOOTSTRAP"].split(","):
        assert f"//{server}" in advertised, server
    url = re.fullmatch(r"postgresql\+asyncpg://(\w+):(\w+)@([\w-]+):5432/(\w+)", env["M2C_DATABASE_URL"])
    assert url, env["M2C_DATABASE_URL"]
    pg = services["postgres"]["environment"]
    assert url.groups() == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], "postgres", pg["POSTGRES_DB"])


def test_compose_mounted_files_exist(compose):
    for name, svc in compose["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"


def test_env_var_names_are_known():
    files = [DEPLOY / "compose.yaml", DEPLOY / "Dockerfile", *sorted(K8S.glob("*.yaml"))]
    for path in files:
        unknown = env_names(path.read_text()) - ENV_VARS
        assert not unknown, f"{path.name}: {sorted(unknown)}"


# --- Kubernetes -------------------------------------------------------------------------------

def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_k8s_docs_are_well_formed(k8s_docs):
    seen = set()
    for doc in k8s_docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"), doc
        key = (doc["kind"], doc["metadata"]["name"])
        assert key not in seen, key
        seen.add(key)


def test_kustomization_lists_exactly_the_manifests(k8s_docs):
    kustomization = load_yaml(K8S / "kustomization.yaml")
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(present)
    assert [kustomization["namespace"]] == list(of_kind(k8s_docs, "Namespace"))


def test_k8s_config_provides_every_required_variable(k8s_docs):
    config = of_kind(k8s_docs, "ConfigMap")["m2c-config"]["data"]
    secret = of_kind(k8s_docs, "Secret")["m2c-secrets"]["stringData"]
    assert not set(config) & set(secret)
    assert set(config) | set(secret) >= REQUIRED_ENV
    assert {"M2C_DATABASE_URL", "M2C_JWT_SECRET"} <= set(secret)
    assert config["M2C_HOST"] == "0.0.0.0"
    assert int(config["M2C_PORT"]) == APP_PORT
    assert all("CHANGE-ME" in value for value in secret.values())


def pod_specs(docs: list[dict]):
    for doc in docs:
        if doc["kind"] in {"Deployment", "Job"}:
            yield doc["metadata"]["name"], doc["spec"]["template"]


def test_k8s_pods_use_config_and_the_m2c_command(k8s_docs):
    configmaps, secrets = of_kind(k8s_docs, "ConfigMap"), of_kind(k8s_docs, "Secret")
    names = set()
    for name, template in pod_specs(k8s_docs):
        names.add(name)
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        (container,) = spec["containers"]
        assert is_m2c_command(container["command"] + container.get("args", [])), name
        sources = container["envFrom"]
        assert {s["configMapRef"]["name"] for s in sources if "configMapRef" in s} <= set(configmaps), name
        assert {s["secretRef"]["name"] for s in sources if "secretRef" in s} <= set(secrets), name
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"], name
        assert resources["limits"]["memory"], name
    assert names == HTTP_SERVICES | {"relay", "migrate"}
    (job,) = of_kind(k8s_docs, "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["m2c", "migrate"]


def probe_port_number(container: dict, port) -> int:
    if isinstance(port, int):
        return port
    (match,) = [p["containerPort"] for p in container["ports"] if p.get("name") == port]
    return match


def test_k8s_deployments_probes_and_scrape_annotations(k8s_docs):
    deployments = of_kind(k8s_docs, "Deployment")
    assert set(deployments) == HTTP_SERVICES | {"relay"}
    for name, dep in deployments.items():
        template = dep["spec"]["template"]
        labels = template["metadata"]["labels"]
        assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items(), name
        (container,) = template["spec"]["containers"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/path"] == "/metrics", name
        scrape_port = int(annotations["prometheus.io/port"])
        assert scrape_port in {p["containerPort"] for p in container["ports"]}, name
        live = container["livenessProbe"]["httpGet"]
        if name == "relay":
            assert dep["spec"]["replicas"] == 2
            assert scrape_port == RELAY_METRICS_PORT
            assert {"name": "M2C_METRICS_PORT", "value": str(RELAY_METRICS_PORT)} in container["env"]
            assert live["path"] == "/metrics"
            assert probe_port_number(container, live["port"]) == RELAY_METRICS_PORT
            continue
        ready = container["readinessProbe"]["httpGet"]
        assert live["path"] == "/healthz", name
        assert ready["path"] == "/readyz", name
        assert probe_port_number(container, live["port"]) == APP_PORT, name
        assert probe_port_number(container, ready["port"]) == APP_PORT, name
        assert scrape_port == APP_PORT, name


def test_k8s_services_select_a_deployment_port(k8s_docs):
    deployments = of_kind(k8s_docs, "Deployment")
    services = of_kind(k8s_docs, "Service")
    assert set(services) == HTTP_SERVICES
    for name, svc in services.items():
        selector = svc["spec"]["selector"]
        targets = [d for d in deployments.values()
                   if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert [t["metadata"]["name"] for t in targets] == [name]
        (container,) = targets[0]["spec"]["template"]["spec"]["containers"]
        for port in svc["spec"]["ports"]:
            assert probe_port_number(container, port["targetPort"]) == APP_PORT, name


# --- Prometheus and Grafana -------------------------------------------------------------------

def test_prometheus_config_scrapes_every_process():
    config = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    for rule_file in config["rule_files"]:
        assert (DEPLOY / "prometheus" / rule_file).is_file(), rule_file
    jobs = [job["job_name"] for job in config["scrape_configs"]]
    assert len(jobs) == len(set(jobs))
    text = json.dumps(config["scrape_configs"])
    for name in HTTP_SERVICES:
        assert f"{name}:{APP_PORT}" in text, name
    relay = next(j for j in config["scrape_configs"] if "relay" in j["job_name"])
    assert relay["dns_sd_configs"][0]["port"] == RELAY_METRICS_PORT


def alert_rules() -> list[dict]:
    groups = load_yaml(DEPLOY / "prometheus" / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_alert_rules_are_complete_and_unique():
    rules = alert_rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"info", "warning", "critical"}
        assert rule["annotations"]["summary"], rule["alert"]


def test_alert_rules_reference_known_metrics_and_labels():
    used = set()
    for rule in alert_rules():
        tokens = metric_tokens(rule["expr"])
        assert tokens <= KNOWN_SERIES, f"{rule['alert']}: {sorted(tokens - KNOWN_SERIES)}"
        used |= tokens
        for outcome in re.findall(r'outcome="([^"]+)"', rule["expr"]):
            assert outcome in CONSUMED_OUTCOMES, rule["alert"]
    assert {"m2c_outbox_lag", "m2c_consumer_lag", "m2c_events_consumed_total"} <= used
    assert "m2c_http_request_duration_seconds_count" in used


def test_alert_job_selectors_match_scrape_jobs():
    config = load_yaml(DEPLOY / "prometheus" / "prometheus.yml")
    jobs = [job["job_name"] for job in config["scrape_configs"]]
    for rule in alert_rules():
        for op, value in re.findall(r'job(=~|=)"([^"]+)"', rule["expr"]):
            matches = [j for j in jobs if (re.fullmatch(value, j) if op == "=~" else j == value)]
            assert matches, f"{rule['alert']}: job{op}{value!r} matches no scrape job"


def test_grafana_dashboard_panels_use_known_metrics():
    dashboard = json.loads((DEPLOY / "grafana" / "m2c-dashboard.json").read_text())
    assert dashboard["title"] and dashboard["uid"] and isinstance(dashboard["schemaVersion"], int)
    panels = dashboard["panels"]
    ids = [p["id"] for p in panels]
    assert panels and len(ids) == len(set(ids))
    variables = {v["name"] for v in dashboard.get("templating", {}).get("list", [])}
    used = set()
    for panel in panels:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}, panel["title"]
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            tokens = metric_tokens(target["expr"])
            assert tokens and tokens <= KNOWN_SERIES, f"{panel['title']}: {sorted(tokens - KNOWN_SERIES)}"
            used |= tokens
        for ref in re.findall(r"\$\{(\w+)\}", json.dumps(panel)):
            assert ref in variables, f"{panel['title']}: undefined variable {ref}"
    assert {m for m in METRICS if m not in HISTOGRAMS} <= used
