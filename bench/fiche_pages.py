"""The fiche de renseignements pages of a guardian with changes pending: their
server time against a page that makes exactly one RPC call, measured in the
same run, and the SQL statements each page's data costs the fiche service.

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and databases of its own, removed at the
end); imports an establishment from SIECLE files through both import CLIs'
code (tests/e2e/fiche_support.py); a guardian confirms their address and
sends four changes (two on the student's data, two on their own). Then loads,
alternately, the ÉLÈVE tab, the RESPONSABLE tab, the school's dossier page and
`/compte/` (whose only call is `get_session`), reading the gateway's own
`Server-Timing`. A fiche page makes one RPC call to the fiche service, which
asks accounts who the viewer is (one nested RPC, kept 60 s per process).
Prints the median and 95th percentile of each, the ratios of the medians,
and the SQL statements of each page's RPC (counted in this process on a
SQLite copy of the same record).

Usage: python -m bench.fiche_pages [--requests 300] [--backend sqlite|postgresql]
"""
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import MagicMock

from sqlalchemy import event

from bench.pages import ONE_RPC, BenchFailed, arguments, load_pages, print_pages, run, started_platform
from common.clock import Clock
from common.db import new_session, upgrade
from tests.e2e.accounts_support import confirmed_guardian, first_connection
from tests.e2e.fiche_support import new_establishment
from tests.e2e.test_fiche_service import MONDAY
from tests.helpers import CSRF

PASSWORD = "banc2026ab"
CHANGES_ELEVE = {"tel_portable": "06 98 76 54 32", "email": "hugo.martin@example.org"}
CHANGES_RESPONSABLE = {"accepte_sms": "oui", "code_profession": "55"}


def submit(user, path: str, changes: dict):
    page = user.get(path)
    fields = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text)
              if name != "csrf_token"}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page.text, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[name] = chosen.group(1) if chosen else ""
    fields.update(changes, csrf_token=CSRF.search(page.text).group(1))
    return user.http.post(user.base_url + path, data=fields, timeout=30)


@contextmanager
def counting(session):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def sql_statements(paths: list[Path], uai: str, tmp: Path) -> dict:
    """The statements of `fiche` and `dossier` on a SQLite copy of the record."""
    from nameko.testing.services import worker_factory

    from services.fiche import siecle
    from services.fiche.dependencies import TtlCache
    from services.fiche.service import FicheService

    url = f"sqlite:///{tmp / 'statements.db'}"
    upgrade("fiche", url)
    session = new_session(url)
    clock = Clock(str(tmp / "statements-clock.json"))
    clock.move_to(MONDAY)
    service = worker_factory(FicheService, db=session, clock=clock, accounts=MagicMock(), identities=TtlCache(0))
    service.accounts.siecle_identity.return_value = {
        "etablissement_uai": uai, "siecle_eleve_id": "1001", "siecle_personne_ids": ["5001"],
        "email": "philippe@example.org", "prenom": "Philippe", "nom": "MARTIN"}
    _lecture, payload = siecle.read(paths, uai)
    service.import_siecle({**payload, "etablissement": {"uai": uai, "nom": "COLLÈGE"}})
    child = {"eleve_id": 1, "etablissement_uai": uai, "viewer_account_id": 1, "viewer_role": "responsable",
             "eleve_majeur": False}
    service.submit_changes(child, "eleve", CHANGES_ELEVE)
    service.submit_changes(child, "responsable", CHANGES_RESPONSABLE)
    session.expunge_all()
    with counting(session) as on_page:
        service.fiche(child)
    eleve_id = service.dossiers(uai)[0]["eleve_id"]
    session.expunge_all()
    with counting(session) as on_dossier:
        service.dossier(uai, eleve_id)
    session.close()
    return {"fiche": len(on_page), "dossier": len(on_dossier)}


def main(argv=None) -> int:
    args = arguments(argv)
    return run(lambda: measure(args))


def measure(args) -> None:
    with started_platform(("fiche", "mailer"), args.backend) as (platform, tmp, services):
        platform.clock.move_to(MONDAY)
        etab = new_establishment(platform, tmp / "siecle")
        uai = etab["uai"]
        user = confirmed_guardian(platform, etab["letters"]["Philippe MARTIN"], "2013-04-04",
                                  "philippe@example.org", password=PASSWORD)
        rpc = platform.rpc()
        staff_letter = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "secretariat", "nom": "BANC", "prenom": "Anne"})
        rpc.close()
        staff, _page = first_connection(platform, staff_letter, None, password=PASSWORD)
        eleve_id = re.search(r"/eleve/(\d+)/", user.get("/").text).group(1)
        base = f"/eleve/{eleve_id}/fiche"
        for path, changes in ((base + "/eleve/modifier", CHANGES_ELEVE),
                              (base + "/responsable/modifier", CHANGES_RESPONSABLE)):
            if "transmises" not in submit(user, path, changes).text:
                raise BenchFailed(f"{path}: the changes were not taken")
        listing = staff.get(f"/admin/etablissement/{uai}/fiche").text
        dossier_path = re.search(r'href="(/admin/etablissement/[^"]+/fiche/\d+)"', listing).group(1)
        timings = load_pages({"ÉLÈVE tab (/fiche/)": (user, base + "/"),
                              "RESPONSABLE tab": (user, base + "/responsable"),
                              "school's dossier (admin)": (staff, dossier_path), ONE_RPC: (user, "/compte/")},
                             args.requests)
        statements = sql_statements(etab["paths"], uai, tmp)

    print(f"fiche de renseignements pages, a guardian with 4 changes pending, {args.backend}, "
          f"services deployed: {', '.join(services)}")
    print_pages(timings, 27)
    print(f"  SQL statements per call: fiche {statements['fiche']}, dossier {statements['dossier']}")


if __name__ == "__main__":
    sys.exit(main())
