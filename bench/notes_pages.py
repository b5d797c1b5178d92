"""The notes pages of a well-graded student: their server time against a page
that makes exactly one RPC call, measured in the same run.

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and SQLite files of its own, removed at the
end); imports, through the notes service's RPC, a class of 25 students with 12
subjects and 25 evaluations each (300 grades per student, 7 500 in all);
then loads, alternately, the student's subject page, one subject's detail page
and `/compte/` (whose only call is `get_session`, the one-RPC page of
bench.home_page), reading the gateway's own `Server-Timing`. Prints the
median and 95th percentile of each and the ratios of the medians. The number
of SQL statements of both notes pages does not grow with the grades: that is
asserted in services/notes/tests/test_pages.py.

Usage: python -m bench.notes_pages [--requests 300] [--backend sqlite|postgresql]
"""
import re
import sys
import uuid
from datetime import timedelta

from bench.pages import ONE_RPC, BenchFailed, arguments, load_pages, print_pages, run, started_platform
from common.clock import PARIS
from tests.helpers import WebUser

PASSWORD = "banc2026ab"
SUBJECTS = 12
EVALUATIONS_PER_SUBJECT = 25
CLASS_SIZE = 25


def school(uai: str) -> dict:
    eleves = [{"siecle_eleve_id": str(1000 + i), "nom": "BANC", "prenom": f"Élève{i:02d}",
               "date_naissance": "2012-03-01", "classe": "5A"} for i in range(CLASS_SIZE)]
    return {"etablissement": {"uai": uai, "nom": "COLLÈGE DU BANC", "type": "college", "commune": "LILLE"},
            "eleves": eleves, "personnes": [], "liens": []}


def grades(platform) -> tuple[list, list]:
    now = platform.clock.now().astimezone(PARIS)
    entered = (now - timedelta(days=2)).strftime("%d/%m/%Y %H:%M")
    subjects = [{"code": f"M{s:02d}", "libelle": f"Matière {s:02d}"} for s in range(SUBJECTS)]
    rows = []
    for s in range(SUBJECTS):
        for k in range(EVALUATIONS_PER_SUBJECT):
            day = (now - timedelta(days=2 + k)).strftime("%d/%m/%Y")
            for i in range(CLASS_SIZE):
                rows.append({"evaluation": f"M{s:02d}-{k}", "matiere": f"M{s:02d}", "groupe": "5A",
                             "enseignants": f"Professeur {s:02d}", "date": day, "titre": f"Évaluation {k}",
                             "coefficient": str(1 + k % 3), "bareme": "20" if k % 4 else "10",
                             "eleve": str(1000 + i), "note": "ABS" if (i + k) % 29 == 0 else str((i * 7 + k) % 11),
                             "saisie_le": entered})
    return subjects, rows


def main(argv=None) -> int:
    args = arguments(argv)
    return run(lambda: measure(args))


def measure(args) -> None:
    with started_platform(("notes",), args.backend) as (platform, _tmp, services):
        rpc = platform.rpc(timeout=300)
        uai = f"{uuid.uuid4().int % 10**7:07d}N"
        rpc.call("accounts", "import_siecle", payload=school(uai))
        letter = next(x for x in rpc.call("accounts", "issue_letters", uai=uai) if x["prenom"] == "Élève00")
        subjects, rows = grades(platform)
        rpc.call("notes", "import_matieres", uai=uai, rows=subjects)
        report = rpc.call("notes", "import_evaluations", uai=uai, rows=rows)
        rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
        rpc.close()

        user = WebUser(platform.base_url)
        user.login(letter["identifiant"], letter["password"])
        page = user.post_form("/premiere-connexion", {
            "date_naissance": "2012-03-01", "new_password": PASSWORD, "new_password_confirm": PASSWORD})
        eleve_id = int(re.search(r"/eleve/(\d+)/", page.url + page.text).group(1))
        subjects_path = f"/eleve/{eleve_id}/notes/"
        listing = user.get(subjects_path)
        subject_ids = sorted(set(int(i) for i in re.findall(rf"/eleve/{eleve_id}/notes/(\d+)", listing.text)))
        if len(subject_ids) != SUBJECTS:
            raise BenchFailed(f"the subject page shows {len(subject_ids)} subjects instead of {SUBJECTS}")
        timings = load_pages({"subject page (/notes/)": (user, subjects_path),
                              "detail page (/notes/<id>)": (user, f"/eleve/{eleve_id}/notes/{subject_ids[0]}"),
                              ONE_RPC: (user, "/compte/")}, args.requests)

    print(f"notes pages, one student with {SUBJECTS * EVALUATIONS_PER_SUBJECT} grades in {SUBJECTS} subjects "
          f"({report['notes']['creees']} grades in the class), {args.backend}, "
          f"services deployed: {', '.join(services)}")
    print_pages(timings, 27)


if __name__ == "__main__":
    sys.exit(main())
