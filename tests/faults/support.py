"""What the fault tests share: the portal deployed as an académie runs it on
one machine (deploy/local/cluster.py), an establishment with notes open,
families' sessions as steady load, and a private PostgreSQL server a test may
stop (never the machine's shared one)."""
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from pathlib import Path

import requests

from common.clock import PARIS, Clock
from deploy.local.cluster import LocalDeployment, write_deploy_file
from tests.fixtures import PG_ADMIN_DSN, free_port
from tests.helpers import CSRF, WebUser, family_payload, letters_by_name, text_of, wait_until
from tools.import_notes import import_files

PG_BIN = Path(os.environ.get("SCOLARITE_PG_BIN", "/usr/lib/postgresql/15/bin"))
HEADER = "evaluation;matiere;groupe;enseignants;date;titre;coefficient;bareme;date_publication;eleve;note;saisie_le"
PASSWORD = "valide2026"
UNAVAILABLE = "momentanément indisponible"
# A form whose request went out and got no answer: the page says the outcome is not known yet.
OUTCOME_UNKNOWN = "nous ne savons pas encore si votre demande a été enregistrée"

# Fast fault detection, as the messaging tests use: RPC timeout 3 s, a
# service silent for 4 s known down, heartbeats every second.
FAST = {"SCOLARITE_RPC_TIMEOUT": "3", "SCOLARITE_REASK_TIMEOUT": "1", "SCOLARITE_HEARTBEAT_SECONDS": "1",
        "SCOLARITE_ALIVE_WITHIN": "4", "SCOLARITE_MENU_TIMEOUT": "1.0"}


def deployment(tmp: Path, services: dict, amqp_uri: str, env: dict | None = None,
               postgres: str | None = PG_ADMIN_DSN, **kwargs) -> LocalDeployment:
    """The portal on PostgreSQL (a database per service on the shared server,
    named after this run; None: SQLite files), with the tests' settings."""
    tmp.mkdir(parents=True, exist_ok=True)
    clock_file = tmp / "clock.json"
    Clock(str(clock_file)).set_offset(0)
    port = free_port()
    smtp_port = free_port()
    base_env = {
        "SCOLARITE_DEV": "1",
        "SCOLARITE_CLOCK_FILE": str(clock_file),
        "SCOLARITE_RATELIMIT_LOGIN": "10000 per minute",
        "SCOLARITE_RATELIMIT_RECOVERY": "10000 per minute",
        "SCOLARITE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SCOLARITE_JOBS_CHECK_SECONDS": "86400",
        "SCOLARITE_SMTP_HOST": "127.0.0.1", "SCOLARITE_SMTP_PORT": str(smtp_port),
        "SCOLARITE_MAIL_CATCHER_DIR": str(tmp / "mail"), "SCOLARITE_MAILER_POLL_SECONDS": "0.1",
        **FAST, **(env or {}),
    }
    deploy = write_deploy_file(tmp / "services.yml", services)
    d = LocalDeployment(tmp / "var", amqp_uri=amqp_uri, postgres=postgres, port=port, deploy_file=deploy,
                        db_prefix=f"scolarite_fault_{uuid.uuid4().hex[:8]}", env=base_env, **kwargs)
    d.base_url = f"http://127.0.0.1:{port}"
    d.clock = Clock(str(clock_file))
    d.mail_dir = tmp / "mail"
    return d


def start(d: LocalDeployment) -> None:
    """Databases prepared, then every process of the deployment (built
    here unless the caller built it to add processes of its own)."""
    d.prepare()
    cluster = d.cluster or d.build()
    if "mailcatcher" not in cluster.processes:
        cluster.mailcatcher(d.mail_dir, int(d.env["SCOLARITE_SMTP_PORT"]))
    cluster.start_all(120)
    wait_until(lambda: _status(d.base_url + "/connexion") == 200, "the gateway answering", 60)


def _status(url: str) -> int | None:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return None



def rpc(d: LocalDeployment, timeout: float = 30):
    from common.rpc_client import RpcClient

    return RpcClient(d.amqp_uri, timeout=timeout, client_name="test")


@dataclass
class School:
    uai: str
    letters: dict
    hugo_id: int
    hugo: str  # Hugo's identifiant, activated with PASSWORD


def school_with_grades(d: LocalDeployment, tmp: Path) -> School:
    """An establishment with notes open and grades published three days
    ago, and Hugo's account activated."""
    uai = f"{uuid.uuid4().int % 10**7:07d}F"
    client = rpc(d)
    try:
        client.call("accounts", "import_siecle", payload=family_payload(uai=uai, nom="COLLÈGE DES PANNES"))
        letters = letters_by_name(client.call("accounts", "issue_letters", uai=uai))
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in client.call("accounts", "list_eleves", uai=uai)}
        client.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
        now = d.clock.now().astimezone(PARIS)
        published = (now - timedelta(days=3)).strftime("%d/%m/%Y %H:%M")
        day = (now - timedelta(days=4)).strftime("%d/%m/%Y")
        matieres = tmp / "matieres.csv"
        matieres.write_text("code;libelle\nMATHS;Mathématiques\n", encoding="utf-8")
        notes = tmp / "notes.csv"
        notes.write_text(f"{HEADER}\nM1;MATHS;5A;M. DUPONT;{day};Fractions;2;20;;101;15,5;{published}\n",
                         encoding="utf-8")
        import_files(client, uai, notes=notes, matieres=matieres)
    finally:
        client.close()
    letter = letters["Hugo MARTIN"]
    user = WebUser(d.base_url)
    user.login(letter["identifiant"], letter["password"])
    page = user.post_form("/premiere-connexion", {"date_naissance": "2012-04-04", "new_password": PASSWORD,
                                                  "new_password_confirm": PASSWORD})
    assert page.status_code == 200 and "Pour activer votre compte" not in text_of(page.text), text_of(page.text)[:300]
    return School(uai, letters, ids["Hugo MARTIN"], letter["identifiant"])


def family_session(base_url: str, school: School) -> list[tuple[str, int, bool, bool]]:
    """Hugo's evening: log in, home, his grades, log out; it stops at the
    first page that is not what he expects.
    [(step, status, as expected, a clear 503 page: "momentanément indisponible", or,
    for a form sent as the broker went away, "outcome not known yet")]."""
    user = WebUser(base_url)
    steps = []

    def record(step, page, ok):
        text = text_of(page.text)
        unavailable = (page.status_code == 503 and (UNAVAILABLE in text or OUTCOME_UNKNOWN in text)
                       and "Traceback" not in page.text)
        steps.append((step, page.status_code, ok, unavailable))
        return ok

    if not record("connexion", page := user.login(school.hugo, PASSWORD),
                  page.status_code == 200 and "La scolarité d" in page.text):
        return steps
    if not record("accueil", page := user.get(f"/eleve/{school.hugo_id}/"), page.status_code == 200):
        return steps
    if not record("notes", page := user.get(f"/eleve/{school.hugo_id}/notes/"),
                  page.status_code == 200 and "Mathématiques" in page.text):
        return steps
    # Logging out is a form on every page: a page without it (503) is that step's answer.
    page = user.get("/")
    token = CSRF.search(page.text)
    if token is not None:
        page = user.http.post(base_url + "/deconnexion", data={"csrf_token": unescape(token.group(1))}, timeout=30)
    record("deconnexion", page, token is not None and page.status_code == 200)
    return steps


@dataclass
class Load:
    """`users` families running sessions in a loop until stopped; every step
    recorded with the time it ended."""
    base_url: str
    school: School
    users: int = 2
    steps: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.users)]

    def _run(self):
        while not self._stop.is_set():
            try:
                for step in family_session(self.base_url, self.school):
                    self.steps.append((time.monotonic(), *step))
            except Exception as exc:  # a connection refused or reset: a failed request all the same
                self.errors.append((time.monotonic(), repr(exc)))

    def start(self) -> "Load":
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def failures(self, since: float = 0.0, until: float = float("inf")) -> list:
        return ([s for s in self.steps if since <= s[0] <= until and not s[3]]
                + [e for e in self.errors if since <= e[0] <= until])

    def between(self, since: float, until: float) -> list:
        return [s for s in self.steps if since <= s[0] <= until]

    def sessions_done(self) -> int:
        return sum(1 for s in self.steps if s[1] == "deconnexion")


class PrivatePostgres:
    """A PostgreSQL server of a test's own (initdb in a temporary directory,
    a free port, trust authentication on loopback), which the test may stop."""

    def __init__(self):
        # Not under pytest's temporary directories: they are private to root,
        # and the server runs as the postgres user.
        self.base = Path(tempfile.mkdtemp(prefix="scolarite-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        subprocess.run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                        "--no-sync", "-E", "UTF8"], check=True, capture_output=True, **self._as_owner())

    def _as_owner(self) -> dict:
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        if os.geteuid() != 0:
            return {}
        import pwd

        owner = pwd.getpwnam("postgres")
        shutil.chown(self.base, owner.pw_uid, owner.pw_gid)
        return {"user": owner.pw_uid, "group": owner.pw_gid}

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.base / "server.log"),
                        "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off",
                        "start"], check=True, capture_output=True, **self._as_owner())

    def stop(self) -> None:
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop"],
                       capture_output=True, **self._as_owner())

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
