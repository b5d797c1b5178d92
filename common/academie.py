"""One académie's deployment: `deploy/academies/<name>.yml` (docs/configuration.md).

An académie file extends the catalogue of services (`deploy/services.yml`,
which is itself the default académie that `make run` deploys): it says which
services run, how many instances of each, where their databases, the broker
and the SMTP relay are, the public address, and names the secrets every
process needs. A secret's value is never in the file: a setting refers to it
as `${VARIABLE}`, and `secrets:` says which Kubernetes Secret (and key) holds
that variable; outside Kubernetes the variable comes from the environment.

`load(path)` reads and checks a file and returns an `Academie`; a bad file
stops with one message per problem, each naming the file and the setting
(`AcademieError`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

# The gateway's gunicorn, unless the académie file says otherwise: worker
# processes, and threads in each. A thread stays taken for a whole login (its
# hash and the wait behind other logins' hashes, tens of milliseconds in a
# wave): with 4 per worker, 8 browsers logging in together took every thread
# and the pages waited behind them (home page p95 4 → 90 ms); with 8 the
# pages keep going (4 → 6 ms) for the same CPU (docs/performance.md, "Threads
# enough for a login wave"). gateway/gunicorn_conf.py gives them to gunicorn.
GATEWAY_WORKERS = 2
GATEWAY_THREADS = 8

REQUIRED = ("accounts", "mailer")
# The services the académie may scale on their own, with the HorizontalPodAutoscaler
# (ARCHITECTURE "Scale": mail and notes peak on the evenings grades are published).
AUTOSCALED = ("gateway", "mailer", "notes")
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
VARIABLE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
QUANTITY_MEMORY = re.compile(r"^[0-9]+(Mi|Gi)$")
QUANTITY_CPU = re.compile(r"^[0-9]+m$|^[0-9]+(\.[0-9]+)?$")
# Development settings that must never reach an académie's processes.
FORBIDDEN_ENV = ("SCOLARITE_DEV", "SCOLARITE_CLOCK_FILE", "SCOLARITE_TEST_LIGHT_HASH")
TOP_KEYS = {"extends", "academie", "image", "public_url", "broker", "smtp", "database_url", "ratelimit_storage",
            "view_cache", "gateway", "services", "secrets", "env", "ingress"}
REDIS = ("redis://", "rediss://")
# An académie's settings of a service that only its deployment reads (not the gateway).
DEPLOY_ONLY = {"autoscale", "resources", "database_url", "max_workers"}
SERVICE_KEYS = {"instances", "autoscale", "resources", "database_url", "label", "order", "required", "max_workers"}


class AcademieError(SystemExit):
    """A bad académie file: every problem found, each on its own line, in French."""

    def __init__(self, path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path} : fichier d'académie invalide\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class SecretRef:
    variable: str
    secret: str
    key: str


@dataclass(frozen=True)
class Autoscale:
    min: int
    max: int
    cpu_percent: int


@dataclass(frozen=True)
class Resources:
    memory_request: str
    memory_limit: str
    cpu_request: str
    cpu_limit: str | None


@dataclass
class Service:
    name: str
    instances: int
    settings: dict                # what the gateway reads: label, order, required, instances
    resources: Resources
    autoscale: Autoscale | None
    database_url: str | None       # with ${...} references; None: the default (SQLite under var/)
    max_workers: int | None


@dataclass
class Gateway:
    instances: int
    workers: int
    threads: int
    resources: Resources
    autoscale: Autoscale | None


@dataclass
class Academie:
    path: Path
    name: str
    title: str
    image: str
    public_url: str | None
    broker_uri: str | None
    broker_replicas: int
    smtp: dict                     # SCOLARITE_SMTP_* / SCOLARITE_MAIL_* variables
    ratelimit_storage: str | None
    # The Redis of the pages' session views (SCOLARITE_VIEW_CACHE, accounts and gateway):
    # `view_cache`, else ratelimit_storage's Redis.
    view_cache: str | None
    gateway: Gateway
    services: dict[str, Service]   # the deployed ones, in catalogue order
    secrets: dict[str, SecretRef] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    ingress: dict = field(default_factory=dict)

    def service_env(self, service: str) -> dict[str, str]:
        """The variables of one service's processes (values may hold ${...})."""
        env = {**self.common_env()}
        svc = self.services[service]
        if svc.database_url:
            env[f"{service.upper()}_DATABASE_URL"] = svc.database_url
        if svc.max_workers:
            env["SCOLARITE_MAX_WORKERS"] = str(svc.max_workers)
        if service == "mailer":
            env.update(self.smtp)
        if service == "accounts" and self.view_cache:
            # accounts bumps the generations the gateway reads (gateway/view_cache.py).
            env["SCOLARITE_VIEW_CACHE"] = self.view_cache
        return env

    def gateway_env(self) -> dict[str, str]:
        env = {**self.common_env()}
        if "SCOLARITE_SECRET_KEY" in self.secrets:
            env["SCOLARITE_SECRET_KEY"] = "${SCOLARITE_SECRET_KEY}"
        if self.ratelimit_storage:
            env["SCOLARITE_RATELIMIT_STORAGE"] = self.ratelimit_storage
        if self.view_cache:
            env["SCOLARITE_VIEW_CACHE"] = self.view_cache
        return env

    def migration_env(self) -> dict[str, str]:
        """Every deployed service's database, for `python -m common.migrate`."""
        env = {}
        for name, svc in self.services.items():
            if svc.database_url:
                env[f"{name.upper()}_DATABASE_URL"] = svc.database_url
        return env

    def common_env(self) -> dict[str, str]:
        env = dict(self.env)
        if self.broker_uri:
            env["AMQP_URI"] = self.broker_uri
        if self.public_url:
            env["SCOLARITE_PUBLIC_URL"] = self.public_url
        return env

    def process_env(self, process: str, environ: dict) -> dict[str, str]:
        """The variables of one process outside Kubernetes (a runner on one machine):
        `process` is a service's name, `gateway` or `migrate`; every ${...} is
        taken from `environ` (the runner's environment, which it passes)."""
        if process == "gateway":
            env = self.gateway_env()
        elif process == "migrate":
            env = self.migration_env()
        else:
            env = self.service_env(process)
        return {key: resolve(value, environ) for key, value in env.items()}

    def referenced(self, env: dict[str, str]) -> list[str]:
        """The secret variables the values of `env` refer to, in order of first use."""
        seen: list[str] = []
        for value in env.values():
            for variable in REFERENCE.findall(value):
                if variable not in seen:
                    seen.append(variable)
        return seen


def resolve(value: str, environ: dict) -> str:
    """`${VARIABLE}` replaced by its value from `environ`, the runner's environment (outside Kubernetes)."""
    missing = [v for v in REFERENCE.findall(value) if v not in environ]
    if missing:
        raise SystemExit(f"variable d'environnement absente : {', '.join(missing)} (secret de l'académie)")
    return REFERENCE.sub(lambda m: environ[m.group(1)], value)


def _read_yaml(path: Path, problems: list[str]) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise AcademieError(path, ["fichier introuvable"]) from None
    except yaml.YAMLError as exc:
        raise AcademieError(path, [f"YAML illisible : {exc}".replace("\n", " ")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AcademieError(path, ["le fichier doit être un dictionnaire (clé : valeur)"])
    return data


def catalogue(path: Path) -> dict[str, dict]:
    """The services a file lists, merged over those of the file it extends."""
    problems: list[str] = []
    data = _read_yaml(path, problems)
    base: dict[str, dict] = {}
    if data.get("extends"):
        parent = (path.parent / str(data["extends"])).resolve()
        if parent == path.resolve():
            raise AcademieError(path, ["extends : le fichier s'étend lui-même"])
        base = catalogue(parent)
    services = data.get("services")
    if services is None and base:
        raise AcademieError(path, ["services : la liste des services déployés est obligatoire"])
    if not isinstance(services or {}, dict):
        raise AcademieError(path, ["services : dictionnaire attendu (nom du service : réglages)"])
    result = {}
    for name, settings in (services or {}).items():
        if settings is not None and not isinstance(settings, dict):
            raise AcademieError(path, [f"services.{name} : dictionnaire de réglages attendu"])
        if base and name not in base:
            known = ", ".join(base)
            raise AcademieError(path, [f"services.{name} : service inconnu (services connus : {known})"])
        result[name] = {**base.get(name, {}), **(settings or {})}
    return result


def _int(value, where: str, problems: list[str], minimum: int = 1, maximum: int = 1000) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        problems.append(f"{where} : nombre entier de {minimum} à {maximum} attendu, pas {value!r}")
        return None
    return value


def _no_literal_secret(value: str, where: str, problems: list[str]) -> None:
    """A URL's password is a ${...} reference, never the password itself."""
    try:
        password = urlsplit(value).password
    except ValueError:
        problems.append(f"{where} : adresse illisible")
        return
    if password and not REFERENCE.fullmatch(password):
        problems.append(f"{where} : mot de passe en clair ; écrivez ${{VARIABLE}} et déclarez-la dans secrets")


def _resources(value, default: dict, where: str, problems: list[str]) -> Resources:
    value = {**default, **(value or {})}
    for key in ("memory", "memory_limit"):
        if key in value and not QUANTITY_MEMORY.match(str(value[key])):
            problems.append(f"{where}.{key} : quantité de mémoire attendue (ex. 192Mi), pas {value[key]!r}")
    for key in ("cpu", "cpu_limit"):
        if value.get(key) is not None and not QUANTITY_CPU.match(str(value[key])):
            problems.append(f"{where}.{key} : quantité de processeur attendue (ex. 100m), pas {value[key]!r}")
    unknown = set(value) - {"memory", "memory_limit", "cpu", "cpu_limit"}
    if unknown:
        problems.append(f"{where} : réglage inconnu {', '.join(sorted(unknown))}")
    memory = str(value.get("memory", "128Mi"))
    return Resources(memory_request=memory, memory_limit=str(value.get("memory_limit", memory)),
                     cpu_request=str(value.get("cpu", "100m")),
                     cpu_limit=None if value.get("cpu_limit") is None else str(value["cpu_limit"]))


def _autoscale(value, instances: int, where: str, problems: list[str]) -> Autoscale | None:
    if value is None or value is False:
        return None
    if not isinstance(value, dict):
        problems.append(f"{where} : dictionnaire attendu (max, cpu)")
        return None
    unknown = set(value) - {"max", "cpu"}
    if unknown:
        problems.append(f"{where} : réglage inconnu {', '.join(sorted(unknown))}")
    maximum = _int(value.get("max", instances * 3), f"{where}.max", problems)
    cpu = _int(value.get("cpu", 70), f"{where}.cpu", problems, 10, 100)
    if maximum is not None and maximum < instances:
        problems.append(f"{where}.max : {maximum} est inférieur au nombre d'instances ({instances})")
    if maximum is None or cpu is None:
        return None
    return Autoscale(min=instances, max=maximum, cpu_percent=cpu)


def default_resources(root: Path) -> dict[str, dict]:
    """Requests and limits from the measured memory (deploy/resources.yml)."""
    path = root / "resources.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {name: dict(v.get("kubernetes") or {}) for name, v in (data or {}).get("processes", {}).items()}


def load(path: Path | str, deploy_root: Path | None = None) -> Academie:
    path = Path(path)
    deploy_root = deploy_root or Path(__file__).resolve().parent.parent / "deploy"
    problems: list[str] = []
    data = _read_yaml(path, problems)
    unknown = set(data) - TOP_KEYS
    if unknown:
        problems.append(f"réglage inconnu : {', '.join(sorted(unknown))} (réglages possibles : "
                        f"{', '.join(sorted(TOP_KEYS))})")
    listed = catalogue(path)
    missing = [name for name in REQUIRED if name not in listed]
    if missing:
        problems.append(f"services : {', '.join(missing)} obligatoire(s) (comptes et courriels)")
    is_academie = bool(data.get("extends"))

    info = data.get("academie") or {}
    name = str(info.get("name", path.stem))
    if not NAME.match(name):
        problems.append(f"academie.name : {name!r} : lettres minuscules, chiffres et tirets (nom Kubernetes)")

    secrets: dict[str, SecretRef] = {}
    for variable, ref in (data.get("secrets") or {}).items():
        where = f"secrets.{variable}"
        if not VARIABLE.match(str(variable)):
            problems.append(f"{where} : nom de variable en MAJUSCULES attendu")
            continue
        if not isinstance(ref, dict) or set(ref) != {"secret", "key"}:
            problems.append(f"{where} : {{secret: <nom du Secret>, key: <clé>}} attendu "
                            "(jamais la valeur elle-même)")
            continue
        if not DNS_SUBDOMAIN.match(str(ref["secret"])):
            problems.append(f"{where}.secret : nom de Secret Kubernetes invalide {ref['secret']!r}")
        secrets[variable] = SecretRef(variable, str(ref["secret"]), str(ref["key"]))

    defaults = default_resources(deploy_root)
    services: dict[str, Service] = {}
    for svc_name, settings in listed.items():
        where = f"services.{svc_name}"
        unknown = set(settings) - SERVICE_KEYS
        if unknown:
            problems.append(f"{where} : réglage inconnu {', '.join(sorted(unknown))}")
        instances = _int(settings.get("instances", 1), f"{where}.instances", problems) or 1
        autoscale_default = {} if svc_name in AUTOSCALED else None
        autoscale = _autoscale(settings.get("autoscale", autoscale_default), instances,
                               f"{where}.autoscale", problems)
        template = settings.get("database_url", data.get("database_url"))
        url = None
        if template is not None:
            url = str(template).replace("{service}", svc_name).replace("{SERVICE}", svc_name.upper())
            _no_literal_secret(url, f"{where}.database_url", problems)
            if is_academie and not url.startswith("postgresql"):
                problems.append(f"{where}.database_url : PostgreSQL attendu (postgresql://...), pas {url.split(':')[0]}")
        max_workers = settings.get("max_workers")
        if max_workers is not None:
            max_workers = _int(max_workers, f"{where}.max_workers", problems, 1, 200)
        services[svc_name] = Service(
            name=svc_name, instances=instances,
            settings={k: v for k, v in settings.items() if k not in DEPLOY_ONLY},
            resources=_resources(settings.get("resources"), defaults.get(svc_name, {}), f"{where}.resources",
                                 problems),
            autoscale=autoscale, database_url=url, max_workers=max_workers)
    if is_academie:
        urls: dict[str, str] = {}
        for svc in services.values():
            if svc.database_url is None:
                problems.append(f"services.{svc.name}.database_url : base de données absente "
                                "(database_url, général ou par service)")
            elif svc.database_url in urls:
                problems.append(f"services.{svc.name}.database_url : même base que {urls[svc.database_url]} "
                                "(une base par service)")
            else:
                urls[svc.database_url] = svc.name

    gw = data.get("gateway") or {}
    gw_instances = _int(gw.get("instances", 1), "gateway.instances", problems) or 1
    gateway = Gateway(
        instances=gw_instances,
        workers=_int(gw.get("workers", GATEWAY_WORKERS), "gateway.workers", problems, 1, 64) or GATEWAY_WORKERS,
        threads=_int(gw.get("threads", GATEWAY_THREADS), "gateway.threads", problems, 1, 64) or GATEWAY_THREADS,
        resources=_resources(gw.get("resources"), defaults.get("gateway", {}), "gateway.resources", problems),
        autoscale=_autoscale(gw.get("autoscale", {}), gw_instances, "gateway.autoscale", problems))
    unknown = set(gw) - {"instances", "workers", "threads", "resources", "autoscale"}
    if unknown:
        problems.append(f"gateway : réglage inconnu {', '.join(sorted(unknown))}")

    broker = data.get("broker") or {}
    broker_uri = broker.get("uri")
    if broker_uri is not None:
        broker_uri = str(broker_uri)
        if not broker_uri.startswith(("amqp://", "amqps://")):
            problems.append("broker.uri : adresse amqp:// ou amqps:// attendue")
        _no_literal_secret(broker_uri, "broker.uri", problems)
    elif is_academie:
        problems.append("broker.uri : adresse du courtier RabbitMQ obligatoire")
    broker_replicas = _int(broker.get("replicas", 1), "broker.replicas", problems, 1, 9) or 1
    if broker_replicas % 2 == 0:
        problems.append(f"broker.replicas : nombre impair attendu (quorum), pas {broker_replicas}")

    smtp_in = data.get("smtp") or {}
    smtp_keys = {"host": "SCOLARITE_SMTP_HOST", "port": "SCOLARITE_SMTP_PORT", "security": "SCOLARITE_SMTP_SECURITY",
                 "user": "SCOLARITE_SMTP_USER", "password": "SCOLARITE_SMTP_PASSWORD",
                 "from": "SCOLARITE_MAIL_FROM", "from_name": "SCOLARITE_MAIL_FROM_NAME",
                 "reply_to": "SCOLARITE_MAIL_REPLY_TO", "connections": "SCOLARITE_SMTP_CONNECTIONS"}
    smtp = {}
    for key, value in smtp_in.items():
        if key not in smtp_keys:
            problems.append(f"smtp.{key} : réglage inconnu (réglages possibles : {', '.join(smtp_keys)})")
            continue
        smtp[smtp_keys[key]] = str(value)
    if smtp_in.get("security", "none") not in ("none", "starttls", "tls"):
        problems.append(f"smtp.security : none, starttls ou tls, pas {smtp_in['security']!r}")
    if "password" in smtp_in and not REFERENCE.fullmatch(str(smtp_in["password"])):
        problems.append("smtp.password : mot de passe en clair ; écrivez ${VARIABLE} et déclarez-la dans secrets")
    if is_academie and "host" not in smtp_in:
        problems.append("smtp.host : relais SMTP de l'académie obligatoire")

    public_url = data.get("public_url")
    if public_url is not None:
        public_url = str(public_url)
        if not public_url.startswith("https://") and is_academie:
            problems.append(f"public_url : adresse https:// attendue, pas {public_url!r}")
    elif is_academie:
        problems.append("public_url : adresse publique du portail obligatoire (https://...)")

    env = {}
    for key, value in (data.get("env") or {}).items():
        if not VARIABLE.match(str(key)):
            problems.append(f"env.{key} : nom de variable en MAJUSCULES attendu")
        elif key in FORBIDDEN_ENV:
            problems.append(f"env.{key} : réglage de développement, interdit dans une académie")
        elif re.search(r"PASSWORD|SECRET|TOKEN", key) and not REFERENCE.fullmatch(str(value)):
            problems.append(f"env.{key} : valeur secrète en clair ; déclarez-la dans secrets")
        else:
            env[str(key)] = str(value)

    ingress = data.get("ingress") or {}
    unknown = set(ingress) - {"class", "tls_secret"}
    if unknown:
        problems.append(f"ingress : réglage inconnu {', '.join(sorted(unknown))} (réglages possibles : class, "
                        "tls_secret ; l'adresse vient de public_url)")

    ratelimit = data.get("ratelimit_storage")
    if ratelimit is not None:
        _no_literal_secret(str(ratelimit), "ratelimit_storage", problems)
    view_cache = data.get("view_cache")
    if view_cache is not None:
        view_cache = str(view_cache)
        if not view_cache.startswith(REDIS):
            problems.append(f"view_cache : adresse redis:// ou rediss:// attendue, pas {view_cache!r}")
        _no_literal_secret(view_cache, "view_cache", problems)
    elif ratelimit is not None and str(ratelimit).startswith(REDIS):
        view_cache = str(ratelimit)  # the Redis the gateways already share

    academie = Academie(
        path=path, name=name, title=str(info.get("title", name)),
        image=str(data.get("image", "scolarite-services:latest")),
        public_url=public_url, broker_uri=broker_uri, broker_replicas=broker_replicas, smtp=smtp,
        ratelimit_storage=None if ratelimit is None else str(ratelimit), view_cache=view_cache,
        gateway=gateway, services=services,
        secrets=secrets, env=env, ingress=dict(ingress))

    if is_academie:
        if "SCOLARITE_SECRET_KEY" not in secrets:
            problems.append("secrets.SCOLARITE_SECRET_KEY : clé de signature des sessions obligatoire "
                            "(la même pour toutes les instances de la passerelle)")
        if gateway.instances > 1 or gateway.workers > 1:
            if not (academie.ratelimit_storage or "").startswith(REDIS):
                problems.append("ratelimit_storage : redis://... obligatoire avec plusieurs instances "
                                "ou workers de la passerelle (compteurs partagés)")
        if not view_cache:
            problems.append("view_cache : redis://... obligatoire (vues de session partagées par la passerelle "
                            "et accounts), ou ratelimit_storage en redis://")
    used = academie.referenced({**academie.common_env(), **academie.smtp, **academie.migration_env(),
                                **academie.gateway_env()})
    for variable in used:
        if variable not in secrets:
            problems.append(f"${{{variable}}} : variable non déclarée dans secrets")
    if problems:
        raise AcademieError(path, problems)
    return academie


def deployed_services(path: Path | str) -> dict[str, dict]:
    """{service: settings the gateway reads}, for common.deployment."""
    return {name: svc.settings for name, svc in load(path).services.items()}
