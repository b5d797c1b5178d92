"""The vie scolaire page of a student with a full year of events (200), and
the home page that shows its tiles, against a page that makes exactly one
RPC call, measured in the same run.

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and databases of its own, removed at the
end); moves the clock to the end of a school year; imports, through the vie
scolaire service's RPC, the school's tables, trimesters and 200 events for
one student (absences, retards, punitions, sanctions, mesures, dispenses),
plus a few for 24 classmates; then loads, alternately, the student's vie
scolaire page, their home page (tiles "N demi-journées d'absence ce trimestre"
come with the session) and `/compte/` (whose only call is `get_session`),
reading the gateway's own `Server-Timing`. Prints the median and 95th
percentile of each and the ratios of the medians, and the SQL statements one
page costs the service for 2 and for 200 events (counted in this process on
the service's own database; tests/test_pages.py asserts they are equal).

Usage: python -m bench.vie_scolaire_pages [--requests 300] [--backend sqlite|postgresql]
"""
import sys
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import event as sa_event

from bench.pages import ONE_RPC, BenchFailed, arguments, load_pages, print_pages, run, started_platform
from common.clock import PARIS, school_year
from common.db import new_session
from tests.helpers import WebUser, text_of

PASSWORD = "banc2026ab"
CLASS_SIZE = 25
EVENTS = 200
# The student's year, by kind (200 in all).
MIX = ["absence"] * 80 + ["retard"] * 50 + ["punition"] * 40 + ["sanction"] * 15 + ["mesure"] * 5 + ["dispense"] * 10


def school(uai: str) -> dict:
    eleves = [{"siecle_eleve_id": str(1000 + i), "nom": "BANC", "prenom": f"Élève{i:02d}",
               "date_naissance": "2012-03-01", "classe": "5A"} for i in range(CLASS_SIZE)]
    return {"etablissement": {"uai": uai, "nom": "COLLÈGE DU BANC", "type": "college", "commune": "LILLE"},
            "eleves": eleves, "personnes": [], "liens": []}


def school_days(year: int, count: int) -> list[date]:
    day, out = date(year, 9, 2), []
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def events(year: int) -> list[dict]:
    days = school_days(year, 180)
    rows = []
    for i, nature in enumerate(MIX):
        day = days[(i * 7) % len(days)]
        at = f"{day:%d/%m/%Y}"
        # Entered now: shown tomorrow, after the student's previous connection (tiles to show).
        row = {"ref": f"E{i}", "eleve": "1000", "nature": nature, "debut": f"{at} 08:00", "detail": f"Évènement {i}"}
        if nature == "absence":
            row.update(fin=f"{at} {'11:55' if i % 3 else '17:00'}", publiable_en_ligne="oui",
                       justifiee="oui" if i % 2 else "non", motif="MAL" if i % 2 else None)
        elif nature == "retard":
            row.update(minutes=5 + i % 20, publiable_en_ligne="oui", justifiee="non")
        elif nature == "punition":
            row.update(type="RET", publiable_en_ligne="oui")
        elif nature == "sanction":
            row.update(type="EXCLUSION_CLASSE", duree=1 + i % 8, famille_avisee="oui" if i % 2 else "non")
        elif nature == "mesure":
            row.update(famille_avisee="oui")
        else:
            row.update(fin=f"{at} 17:00")
        rows.append({k: v for k, v in row.items() if v is not None})
    for i in range(1, CLASS_SIZE):
        at = f"{days[i]:%d/%m/%Y}"
        rows.append({"ref": f"C{i}", "eleve": str(1000 + i), "nature": "absence", "debut": f"{at} 08:00",
                     "fin": f"{at} 11:55", "publiable_en_ligne": "oui"})
    return rows


def statements_per_page(url: str, uai: str, eleve_id: int, now: datetime) -> int:
    """SQL statements of one vie scolaire page, run here on the service's database."""
    from services.vie_scolaire.pages import family_page

    session = new_session(url)
    count = 0

    def _count(*_args):
        nonlocal count
        count += 1

    sa_event.listen(session.get_bind(), "before_cursor_execute", _count)
    family_page(session, {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": 0,
                          "viewer_role": "responsable", "eleve_majeur": False}, now, None)
    session.close()
    session.get_bind().dispose()
    return count


def main(argv=None) -> int:
    args = arguments(argv)
    return run(lambda: measure(args))


def measure(args) -> None:
    with started_platform(("vie_scolaire",), args.backend) as (platform, _tmp, services):
        year = school_year(platform.clock.today())
        platform.clock.move_to(datetime(year + 1, 6, 20, 10, 0, tzinfo=PARIS))
        rpc = platform.rpc(timeout=300)
        uai = f"{uuid.uuid4().int % 10**7:07d}V"
        rpc.call("accounts", "import_siecle", payload=school(uai))
        letter = next(x for x in rpc.call("accounts", "issue_letters", uai=uai) if x["prenom"] == "Élève00")
        rpc.call("vie_scolaire", "import_motifs", uai=uai, rows=[{"code": "MAL", "libelle": "Maladie", "parents": "oui"}])
        rpc.call("vie_scolaire", "import_punitions", uai=uai, rows=[{"code": "RET", "libelle": "Retenue"}])
        rpc.call("vie_scolaire", "import_periodes", uai=uai, rows=[
            {"numero": 1, "libelle": "1er trimestre", "debut": f"01/09/{year}", "fin": f"30/11/{year}"},
            {"numero": 2, "libelle": "2e trimestre", "debut": f"01/12/{year}", "fin": f"28/02/{year + 1}"},
            {"numero": 3, "libelle": "3e trimestre", "debut": f"01/03/{year + 1}", "fin": f"04/07/{year + 1}"}])
        rows = events(year)
        few = [r for r in rows if r["ref"] in ("E0", "E1")]
        rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=few)
        rpc.call("vie_scolaire", "set_opening", uai=uai, is_open=True, account_id=None)
        eleve_id = next(e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)
                        if e["siecle_eleve_id"] == "1000")
        user = WebUser(platform.base_url)
        user.login(letter["identifiant"], letter["password"])
        user.post_form("/premiere-connexion", {
            "date_naissance": "2012-03-01", "new_password": PASSWORD, "new_password_confirm": PASSWORD})
        url = platform.env["VIE_SCOLAIRE_DATABASE_URL"]
        statements_few = statements_per_page(url, uai, eleve_id, platform.clock.now() + timedelta(days=1))
        rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=rows)
        statements_many = statements_per_page(url, uai, eleve_id, platform.clock.now() + timedelta(days=1))
        rpc.close()
        # The next day, a new connection: the year's events are all new since the previous one.
        platform.clock.advance(timedelta(days=1))
        user = WebUser(platform.base_url)
        user.login(letter["identifiant"], PASSWORD)
        page_path, home_path = f"/eleve/{eleve_id}/vie-scolaire/", f"/eleve/{eleve_id}/"
        page = user.get(page_path)
        if page.status_code != 200 or page.text.count("data-evenement=") < 10:
            raise BenchFailed(f"{page_path} answered {page.status_code} without its events")
        if "demi-journées d'absence ce trimestre" not in text_of(user.get(home_path).text):
            raise BenchFailed("the home page shows no vie scolaire tile")
        timings = load_pages({"vie scolaire page": (user, page_path), "home page (tiles)": (user, home_path),
                              ONE_RPC: (user, "/compte/")}, args.requests)

    print(f"vie scolaire pages, one student with {EVENTS} events in a school year, {args.backend}, "
          f"services deployed: {', '.join(services)}")
    print_pages(timings, 25)
    print(f"  SQL statements of the vie scolaire page: {statements_few} with 2 events, "
          f"{statements_many} with {EVENTS}")


if __name__ == "__main__":
    sys.exit(main())
