"""The LSL's Enseignements page of a terminale student with two years of data,
against a page that makes exactly one RPC call, measured in the same run; and
the final livret's PDF generation time.

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and databases of its own, removed at the
end); replicates, through the LSL service's RPC, a terminale class of 25
students with première and terminale (12 subjects a year, 3 periods, 4
competences each); then loads, alternately, one student's Enseignements page
(the latest year, terminale; première is one link away) and `/compte/`
(whose only call is `get_session`), reading the gateway's own
`Server-Timing`. Prints the median and 95th percentile of each and the ratio
of the medians (target: at most 2x), the SQL statements the service runs for
that page (counted by running the same entry point on the same database in
this process), and the time to render the final livret: the PDF alone, and
the download through the gateway.

Usage: python -m bench.lsl_pages [--requests 300] [--backend sqlite|postgresql]
"""
import re
import statistics
import sys
import time
import uuid

from bench.pages import ONE_RPC, BenchFailed, arguments, load_pages, p95, print_pages, run, server_ms, started_platform
from common.clock import Clock, school_year
from tests.helpers import WebUser
from tools.lsl_writer import lsl_xml

PASSWORD = "banc2026ab"
CLASS_SIZE = 25
SUBJECTS = 12


def school(uai: str) -> dict:
    eleves = [{"siecle_eleve_id": str(1000 + i), "nom": "BANC", "prenom": f"Élève{i:02d}",
               "date_naissance": "2009-03-01", "classe": "TERM 1"} for i in range(CLASS_SIZE)]
    return {"etablissement": {"uai": uai, "nom": "LYCÉE DU BANC", "type": "lycee", "commune": "LILLE"},
            "eleves": eleves, "personnes": [], "liens": []}


def record(uai: str, annee: int) -> dict:
    codes = [f"{61300 + s:06d}" for s in range(SUBJECTS)]
    competences = [(f"{s:04d}", f"Compétence n° {s} de la discipline") for s in range(SUBJECTS * 4)]

    def year(y, classe, level):
        return {"annee": y, "periode": "T", "classe": classe, "serie": "GENERALE",
                "avis_engagement": ("Élève impliqué dans la vie du lycée.", "CPE", "Anne"),
                "evaluations": [{
                    "code": code, "modalite": "F" if s == SUBJECTS - 1 else "S",
                    "structure": (CLASS_SIZE, "11.40", "14.29", "42.86", "42.85"),
                    "appreciation": "Travail régulier, participation active ; des progrès nets au fil de l'année.",
                    "periodes": [f"{(level + s + p) % 20:.2f}" for p in range(3)],
                    "competences": [(f"{s * 4 + k:04d}", str(1 + (level + k) % 4)) for k in range(4)],
                    "enseignants": [("PROFESSEUR", f"Discipline{s:02d}")]} for s, code in enumerate(codes)]}
    eleves = [{"id": str(1000 + i), "avis_examen": "TFD"[i % 3], "engagements": ["C"] if i % 5 == 0 else [],
               "annees": [year(annee - 1, "1RE 1", i), year(annee, "TERM 1", i)],
               "historique": [(f"{n}EME", annee - 7 + k, "COLLÈGE DU BANC", "LILLE")
                              for k, n in enumerate((6, 5, 4, 3))]} for i in range(CLASS_SIZE)]
    return {"uai": uai, "matieres": [(c, f"Discipline {s:02d}", None) for s, c in enumerate(codes)],
            "competences": competences, "eleves": eleves}


def statements(platform, uai: str, eleve_id: int) -> tuple[int, int]:
    """SQL statements the service runs for the Enseignements page (same entry
    point, same database, in this process): the first time, and the next
    (the page kept until the next replication)."""
    from nameko.testing.services import worker_factory
    from sqlalchemy import event

    from common.db import new_session
    from services.lsl.service import LslService

    session = new_session(platform.env["LSL_DATABASE_URL"])
    seen = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *args: seen.append(args[2]))
    service = worker_factory(LslService, db=session, clock=Clock(platform.env["SCOLARITE_CLOCK_FILE"]))
    counts = []
    for _ in range(2):
        before = len(seen)
        service.enseignements({"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": 0,
                               "viewer_role": "eleve", "eleve_majeur": False})
        counts.append(len(seen) - before)
    session.close()
    session.get_bind().dispose()
    return counts[0], counts[1]


def uncached_pdf_ms(platform, child: dict, times: int = 5) -> list[float]:
    """The final livret rendered without the PDF the service keeps (its row
    dropped before each call; same entry point, same database, in this
    process): the cost of every download before the service kept it."""
    from nameko.testing.services import worker_factory
    from sqlalchemy import delete

    from common.db import new_session
    from services.lsl.models import LivretPdf
    from services.lsl.service import LslService

    session = new_session(platform.env["LSL_DATABASE_URL"])
    service = worker_factory(LslService, db=session, clock=Clock(platform.env["SCOLARITE_CLOCK_FILE"]))
    values = []
    for _ in range(times):
        session.execute(delete(LivretPdf).where(LivretPdf.eleve_id == child["eleve_id"]))
        session.commit()
        started = time.perf_counter()
        service.final_livret(child)
        values.append((time.perf_counter() - started) * 1000)
    session.close()
    session.get_bind().dispose()
    return values


def main(argv=None) -> int:
    args = arguments(argv)
    return run(lambda: measure(args))


def measure(args) -> None:
    with started_platform(("lsl",), args.backend) as (platform, _tmp, services):
        rpc = platform.rpc(timeout=300)
        uai = f"{uuid.uuid4().int % 10**7:07d}B"
        rpc.call("accounts", "import_siecle", payload=school(uai))
        letter = next(x for x in rpc.call("accounts", "issue_letters", uai=uai) if x["prenom"] == "Élève00")
        data = lsl_xml(record(uai, school_year(platform.clock.today()))).decode()
        rpc.call("lsl", "replicate", uai=uai, xml=data)
        rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
        rpc.call("lsl", "publish_final", uai=uai, account_id=0)

        user = WebUser(platform.base_url)
        user.login(letter["identifiant"], letter["password"])
        page = user.post_form("/premiere-connexion", {
            "date_naissance": "2009-03-01", "new_password": PASSWORD, "new_password_confirm": PASSWORD})
        eleve_id = int(re.search(r"/eleve/(\d+)/", page.url + page.text).group(1))
        path = f"/eleve/{eleve_id}/lsl/enseignements"
        listing = user.get(path)
        shown = len(re.findall(r'class="fr-card fr-card--no-arrow fr-mb-3w matiere"', listing.text))
        if shown != SUBJECTS:  # the latest year; première is one link away
            raise BenchFailed(f"the page shows {shown} subjects instead of {SUBJECTS}")
        timings = load_pages({"Enseignements (/lsl/enseignements)": (user, path), ONE_RPC: (user, "/compte/")},
                             args.requests)
        sql = statements(platform, uai, eleve_id)

        child = {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": 0, "viewer_role": "eleve",
                 "eleve_majeur": False}
        begun = time.perf_counter()
        livret = rpc.call("lsl", "final_livret", child=child)  # rendered, then kept by the service
        first_ms = (time.perf_counter() - begun) * 1000
        pdf_bytes = len(livret["pdf"]) * 3 // 4
        render_ms = []
        for _ in range(20):
            begun = time.perf_counter()
            rpc.call("lsl", "final_livret", child=child)
            render_ms.append((time.perf_counter() - begun) * 1000)
        uncached_ms = uncached_pdf_ms(platform, child)
        download_ms = [server_ms(user.get(f"/eleve/{eleve_id}/lsl/livret-definitif.pdf")) for _ in range(20)]
        rpc.close()

    print(f"LSL Enseignements page, a terminale student with two years of {SUBJECTS} subjects "
          f"({CLASS_SIZE} students replicated), {args.backend}, services deployed: {', '.join(services)}")
    print_pages(timings, 36)
    print(f"  SQL statements for the Enseignements page: {sql[0]} the first time, {sql[1]} until the next replication")
    print(f"  final livret PDF ({pdf_bytes // 1024} KiB), rendered without the kept PDF (baseline, in process): "
          f"median {statistics.median(uncached_ms):.1f} ms of {len(uncached_ms)}; first RPC final_livret "
          f"(renders and keeps) {first_ms:.1f} ms")
    print(f"  kept PDF: RPC final_livret median {statistics.median(render_ms):.1f} ms (p95 {p95(render_ms):.1f}), "
          f"{statistics.median(uncached_ms) / statistics.median(render_ms):.0f}x faster; download through the "
          f"gateway median {statistics.median(download_ms):.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
