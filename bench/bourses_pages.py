"""The bourses pages during a campaign: their server time against a page that
makes exactly one RPC call, measured in the same run, and the SQL statements
each page's service call runs.

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and databases of its own, removed at the
end); loads the barème and opens the collège campaign through the bourses
service's RPC; files, through its `submit` RPC, one application for each of
the establishment's students but one (APPLICATIONS in all); the last
student's guardian files theirs over HTTP. Then loads, alternately, the
family's bourses page (one `page` call, plus the menus on a cache miss), the
school's list of applications and `/compte/` (whose only call is
`get_session`), reading the gateway's own `Server-Timing`. Prints the median
and 95th percentile of each and the ratios of the medians, then counts the
SQL statements of the family's `page` call and the school's `list_demandes`
call, run in this process on the benchmark's own database.

Usage: python -m bench.bourses_pages [--requests 300] [--backend sqlite|postgresql]
"""
import sys
import uuid
from datetime import datetime, timedelta

from nameko.testing.services import worker_factory
from sqlalchemy import event

from bench.pages import ONE_RPC, BenchFailed, arguments, load_pages, print_pages, run, started_platform
from common.clock import PARIS, school_year
from common.db import new_session
from tests.e2e.accounts_support import link_in, wait_for_mail
from tests.helpers import WebUser
from tools.demo_bourses import BAREME_FILE
from tools.import_bourses import read_bareme

PASSWORD = "banc2026ab"
APPLICATIONS = 300
# A Tuesday morning of a campaign.
DAY = datetime(2027, 9, 14, 10, 0, tzinfo=PARIS)


def school(uai: str) -> dict:
    eleves = [{"siecle_eleve_id": str(1000 + i), "nom": "BANC", "prenom": f"Élève{i:03d}",
               "date_naissance": "2014-03-01", "classe": "5A"} for i in range(APPLICATIONS)]
    personnes = [{"siecle_personne_id": "9000", "nom": "BANC", "prenom": "Parent", "civilite": "MME"}]
    liens = [{"siecle_eleve_id": "1000", "siecle_personne_id": "9000", "niveau_responsabilite": 1,
              "code_parente": "10"}]
    return {"etablissement": {"uai": uai, "nom": "COLLÈGE DU BANC", "type": "college", "commune": "LILLE"},
            "eleves": eleves, "personnes": personnes, "liens": liens}


FORM = {"situation": "maries_pacses", "enfants_a_charge": "2", "revenu_fiscal_reference": "11 928",
        "annee_avis": str(DAY.year)}


def count_statements(url: str, platform, uai: str, eleve_id: int, viewer_id: int) -> dict:
    """SQL statements of one `page` and one `list_demandes` call, in this process."""
    from services.bourses import service as bourses_service

    session = new_session(url)
    counted = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *args: counted.append(1))
    worker = worker_factory(bourses_service.BoursesService, db=session, clock=platform.clock)
    child = {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": viewer_id,
             "viewer_role": "responsable", "eleve_majeur": False}
    bourses_service._etablissements[uai] = {"type": "college", "nom": "COLLÈGE DU BANC"}
    out = {}
    for label, call in (("page", lambda: worker.page(child)), ("list_demandes", lambda: worker.list_demandes(uai))):
        counted.clear()
        call()
        session.rollback()
        out[label] = len(counted)
    session.close()
    session.get_bind().dispose()
    return out


def main(argv=None) -> int:
    args = arguments(argv)
    return run(lambda: measure(args))


def measure(args) -> None:
    with started_platform(("bourses",), args.backend) as (platform, _tmp, services):
        platform.clock.move_to(DAY)
        rpc = platform.rpc(timeout=300)
        uai = f"{uuid.uuid4().int % 10**7:07d}N"
        rpc.call("accounts", "import_siecle", payload=school(uai))
        staff = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "secretariat", "nom": "BANC", "prenom": "Anne"})
        letter = next(x for x in rpc.call("accounts", "issue_letters", uai=uai) if x["role"] == "responsable")
        annee = school_year(DAY.date())
        for (_year, niveau), echelons in read_bareme(BAREME_FILE).items():
            rpc.call("bourses", "load_bareme", annee_scolaire=annee, niveau=niveau, echelons=echelons)
        rpc.call("bourses", "save_campagne", account_id=None, form={
            "annee_scolaire": annee, "niveau": "college", "ouverture": (DAY - timedelta(days=13)).date().isoformat(),
            "cloture": (DAY + timedelta(days=30)).date().isoformat()})
        eleves = rpc.call("accounts", "list_eleves", uai=uai)
        for e in eleves:
            if e["siecle_eleve_id"] == "1000":
                continue
            rpc.call("bourses", "submit", form=FORM, demandeur={"prenom": "P", "nom": "BANC", "email": None},
                     eleve={"prenom": e["prenom"], "nom": e["nom"], "classe": e["classe"]},
                     child={"eleve_id": e["eleve_id"], "etablissement_uai": uai, "viewer_account_id": 100000 + e["eleve_id"],
                            "viewer_role": "responsable", "eleve_majeur": False})
        rpc.close()

        family = WebUser(platform.base_url)
        family.login(letter["identifiant"], letter["password"])
        family.post_form("/premiere-connexion", {
            "date_naissance": "2014-03-01", "new_password": PASSWORD, "new_password_confirm": PASSWORD,
            "email": "parent.banc@example.org", "email_confirm": "parent.banc@example.org"})
        eleve_id = next(e["eleve_id"] for e in eleves if e["siecle_eleve_id"] == "1000")
        bourses_path = f"/eleve/{eleve_id}/bourses/"
        # A guardian reaches the services once their address is confirmed (guide § 2.2.1).
        family.http.get(link_in(wait_for_mail(platform, "parent.banc@example.org", timeout=30), "/confirmation/"),
                        timeout=30)
        family.login(letter["identifiant"], PASSWORD)
        filed = family.post_form(bourses_path, {"action": "deposer", **FORM})
        if "/demande/" not in filed.url:
            raise BenchFailed(f"filing over HTTP failed: {filed.status_code} {filed.url}")
        school_user = WebUser(platform.base_url)
        school_user.login(staff["identifiant"], staff["password"])
        school_user.post_form("/premiere-connexion", {"new_password": PASSWORD, "new_password_confirm": PASSWORD})
        list_path = f"/admin/etablissement/{uai}/bourses/"
        timings = load_pages({"family page (/bourses/)": (family, bourses_path),
                              "school's list (admin)": (school_user, list_path), ONE_RPC: (family, "/compte/")},
                             args.requests)
        rpc = platform.rpc()
        viewer_id = rpc.call("accounts", "get_session", token=rpc.call(
            "accounts", "login", identifiant=letter["identifiant"], password=PASSWORD)["token"])["id"]
        rpc.close()
        statements = count_statements(platform.env["BOURSES_DATABASE_URL"], platform, uai, eleve_id, viewer_id)

    print(f"bourses pages, a collège with {APPLICATIONS} applications filed, {args.backend}, "
          f"services deployed: {', '.join(services)}")
    print_pages(timings, 27)
    print(f"  SQL statements: page {statements['page']}, list_demandes ({APPLICATIONS} applications, first 100) "
          f"{statements['list_demandes']}")


if __name__ == "__main__":
    sys.exit(main())
