"""The last evening of a lycée enrollment campaign, replayed (issue 17).

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and databases of its own, removed at the
end, loopback only). Sets the campaign through the inscription service's RPC
with its closing instant an hour ahead; imports, through the accounts and
inscription entry points, one collège's STUDENTS 3e students all assigned to
one lycée, and the lycée's offer. Their guardians' accounts are set up
beforehand over HTTP (first connection, address confirmed): to keep that
password hashing off the clock, each guardian account is linked to
CHILDREN students (--children).

Then, first, the one-RPC page (`/compte/`, whose only call is
`get_session`) is loaded by CONCURRENCY threads (the baseline); then the same
threads replay the evening: for each student, their guardian's whole
journey through the gateway: the page, step 1 "J'inscris", step 2 wishes,
step 3 data (checked by the fiche service over RabbitMQ), step 4 confirm.
Prints throughput (requests/s, enrollments/s) and the 95th percentile of
each kind of request against the baseline measured in the same run, then
counts from the services: nothing lost (every student "terminée"), nothing
duplicated (one answer per student), every receipt mailed once (the mail
catcher's messages per guardian).

Usage: python -m bench.inscription_pages [--students 1000] [--children 10] [--concurrency 16]
                                         [--backend sqlite|postgresql]
"""
import argparse
import queue
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from html import unescape

import requests

from bench.pages import BenchFailed, p95, run, started_platform
from common.clock import PARIS
from tests.e2e.accounts_support import link_in, wait_for_mail
from tests.helpers import CSRF, WebUser

PASSWORD = "banc2026ab"
MEF = "20010010110"
# The last evening: an hour before the deadline.
CLOSES = datetime(2027, 6, 28, 23, 59, tzinfo=PARIS)
NOW = CLOSES - timedelta(hours=1)
OFFRE = {"mef": MEF, "max_options": 2, "lv1": [{"code": "AGL1", "libelle": "Anglais"}],
         "lv2": [{"code": "ESP2", "libelle": "Espagnol"}], "options": [{"code": "LATIN", "libelle": "Latin"}],
         "sections": []}


def college(uai: str, students: int, children: int) -> dict:
    eleves = [{"siecle_eleve_id": str(10000 + i), "ine": f"{uai[:6]}{i:04d}X", "nom": "BANC",
               "prenom": f"Élève{i:04d}", "date_naissance": "2012-03-01", "classe": "3A"} for i in range(students)]
    guardians = -(-students // children)
    personnes = [{"siecle_personne_id": str(90000 + g), "nom": "BANC", "prenom": f"Parent{g:03d}",
                  "civilite": "MME"} for g in range(guardians)]
    liens = [{"siecle_eleve_id": str(10000 + i), "siecle_personne_id": str(90000 + i // children),
              "niveau_responsabilite": 1, "code_parente": "10"} for i in range(students)]
    return {"etablissement": {"uai": uai, "nom": "COLLÈGE DU BANC", "type": "college", "commune": "LILLE"},
            "eleves": eleves, "personnes": personnes, "liens": liens}


def assignment(uai: str, lycee: str, eleve: dict) -> dict:
    return {"ine": eleve["ine"], "nom": eleve["nom"], "prenom": eleve["prenom"], "college_uai": uai,
            "college_nom": "COLLÈGE DU BANC", "college_email": f"ce.{uai.lower()}@example.org",
            "lycee_uai": lycee, "lycee_nom": "LYCÉE DU BANC", "lycee_academie": "LILLE", "mef": MEF,
            "formation_type": "2GT", "formation": "2nde générale et technologique", "tour": 1,
            "voeux": [{"rang": 1, "libelle": "LYCÉE DU BANC – 2nde GT", "resultat": "Affecté"}]}


def set_up_guardian(platform, letter, n: int) -> WebUser:
    user = WebUser(platform.base_url)
    # One connection per request, as many families' browsers are: a kept-alive
    # connection that gunicorn closed when idle would be reset mid-request.
    user.http.headers["Connection"] = "close"
    user.login(letter["identifiant"], letter["password"])
    email = f"parent{n:03d}.banc@example.org"
    user.post_form("/premiere-connexion", {"date_naissance": "2012-03-01", "new_password": PASSWORD,
                                           "new_password_confirm": PASSWORD, "email": email, "email_confirm": email})
    user.http.get(link_in(wait_for_mail(platform, email, timeout=60), "/confirmation/"), timeout=30)
    user.login(letter["identifiant"], PASSWORD)
    user.email = email
    return user


def timed(timings, kind, call, failures=None):
    started = time.perf_counter()
    try:
        response = call()
    except requests.RequestException as exc:
        # Counted, never silent: the summary lists the failed requests.
        (failures if failures is not None else timings.setdefault("failed", [])).append(f"{kind}: {exc}")
        return None
    timings[kind].append((time.perf_counter() - started) * 1000)
    return response


def post(user: WebUser, path: str, action: str, data: dict, page_text: str):
    token = unescape(CSRF.search(page_text).group(1))
    return user.http.post(user.base_url + action, data={**data, "csrf_token": token}, timeout=60)


def journey(user: WebUser, eleve_id: int, timings, failures) -> None:
    path = f"/eleve/{eleve_id}/inscription/"
    page = timed(timings, "page (GET)", lambda: user.http.get(user.base_url + path, timeout=60), failures)
    if page is None:
        return
    steps = [("étape 1 (POST)", f"{path}decision", {"choix": "inscrire"}),
             ("étape 2 (POST)", f"{path}voeux", {"lv1": "AGL1", "lv2": "ESP2", "options": "LATIN"}),
             ("étape 3 (POST)", f"{path}donnees", {"responsable_tel_portable": "06 12 34 56 78"}),
             ("étape 4 (POST)", f"{path}confirmation", {})]
    for kind, action, data in steps:
        response = timed(timings, kind, lambda: post(user, path, action, data, page.text), failures)
        if response is None:
            return
        if response.status_code != 200 or "fr-alert--error" in response.text:
            failures.append(f"{kind} for {eleve_id}: {response.status_code}")
            return
        page = response


def run_threads(concurrency: int, work: queue.Queue, fn) -> float:
    def worker():
        while True:
            try:
                item = work.get_nowait()
            except queue.Empty:
                return
            fn(*item)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--children", type=int, default=10, help="students per guardian account")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    return run(lambda: measure(args))


def measure(args) -> int:
    with started_platform(("inscription", "fiche"), args.backend) as (platform, _tmp, services):
        platform.clock.move_to(NOW)
        rpc = platform.rpc(timeout=600)
        uai, lycee = f"{uuid.uuid4().int % 10**7:07d}N", f"{uuid.uuid4().int % 10**7:07d}L"
        rpc.call("accounts", "import_siecle", payload=college(uai, args.students, args.children))
        letters = [x for x in rpc.call("accounts", "issue_letters", uai=uai) if x["role"] == "responsable"]
        eleves = rpc.call("accounts", "list_eleves", uai=uai)
        rpc.call("inscription", "save_campagne", account_id=None, form={
            "annee_scolaire": 2027, "ouverture": "25/06/2027 14:30", "cloture": "28/06/2027 23:59"})
        report = rpc.call("inscription", "import_affectations", annee_scolaire=2027,
                          lignes=[assignment(uai, lycee, e) for e in eleves])
        rpc.call("inscription", "import_offres", offres=[{**OFFRE, "lycee_uai": lycee}])
        if report["creees"] != args.students:
            raise BenchFailed(f"import: {report}")
        print(f"set-up: {len(letters)} guardian accounts (first connection, address confirmed)...", flush=True)
        guardians = [set_up_guardian(platform, letter, n) for n, letter in enumerate(letters)]
        # Guardian g (ParentNNN) has the students g*CHILDREN .. (g+1)*CHILDREN-1.
        by_siecle = {int(e["siecle_eleve_id"]) - 10000: e["eleve_id"] for e in eleves}
        children = {}
        for user, letter in zip(guardians, letters):
            g = int(letter["prenom"][len("Parent"):])
            last = min(args.students, (g + 1) * args.children)
            children[user] = [by_siecle[i] for i in range(g * args.children, last)]

        # Warm-up: connections, caches, database pages.
        for user in guardians[:args.concurrency]:
            user.http.get(user.base_url + "/compte/", timeout=60)
        baseline = {"one-RPC page /compte/ (GET)": []}
        work = queue.Queue()
        for n in range(max(200, args.students)):
            work.put((guardians[n % len(guardians)],))
        base_elapsed = run_threads(args.concurrency, work, lambda user: timed(
            baseline, "one-RPC page /compte/ (GET)",
            lambda: user.http.get(user.base_url + "/compte/", timeout=60)))
        base_count = len(baseline["one-RPC page /compte/ (GET)"])
        base_failed = baseline.pop("failed", [])

        timings = {k: [] for k in ("page (GET)", "étape 1 (POST)", "étape 2 (POST)", "étape 3 (POST)",
                                   "étape 4 (POST)")}
        failures = []
        work = queue.Queue()
        # Interleave the guardians, as families arrive on the last evening.
        for round_ in range(args.children):
            for user in guardians:
                if round_ < len(children[user]):
                    work.put((user, children[user][round_]))
        elapsed = run_threads(args.concurrency, work, lambda user, eleve_id: journey(user, eleve_id, timings,
                                                                                   failures))
        requests_done = sum(len(v) for v in timings.values())

        listing = rpc.call("inscription", "list_etablissement", uai=lycee)
        states = Counter(r["etat"] for r in listing["eleves"])
        deadline = time.monotonic() + 120
        while True:
            # One read of the catcher per round: per address, the receipts it holds.
            receipts = Counter({user.email: 0 for user in guardians})
            for message in platform.mailbox():
                if "accusé" in message["subject"]:
                    for address in message["to"]:
                        receipts[address] += 1
            if sum(receipts.values()) >= states["complet"] or time.monotonic() > deadline:
                break
            time.sleep(2)
        rpc.close()

    base_p95 = p95(baseline["one-RPC page /compte/ (GET)"])
    print(f"inscription, the last evening: {args.students} students of one lycée, {len(guardians)} guardian accounts, "
          f"{args.concurrency} concurrent clients, {args.backend}, services deployed: {', '.join(services)}")
    print(f"  baseline  one-RPC page /compte/: {base_count / base_elapsed:7.1f} req/s ({len(base_failed)} failed)   "
          f"median {statistics.median(baseline['one-RPC page /compte/ (GET)']):7.1f} ms   p95 {base_p95:7.1f} ms")
    print(f"  replay    {requests_done} requests in {elapsed:.1f} s: {requests_done / elapsed:7.1f} req/s "
          f"({requests_done / elapsed / (base_count / base_elapsed):.2f}x the baseline's throughput), "
          f"{states['complet'] / elapsed:.1f} enrollments/s")
    for kind, values in timings.items():
        if values:
            print(f"    {kind:16s} median {statistics.median(values):7.1f} ms   p95 {p95(values):7.1f} ms   "
                  f"{p95(values) / base_p95:.2f}x the baseline's p95")
    lost = args.students - states["complet"]
    duplicated = len(listing["eleves"]) - len({r["ine"] for r in listing["eleves"]})
    expected = {user.email: len(children[user]) for user in guardians}
    wrong_receipts = {email: n for email, n in receipts.items() if n != expected[email]}
    print(f"  counts: {states['complet']} enrollments finished, lost {lost}, duplicated {duplicated}, "
          f"receipts mailed {sum(receipts.values())} (expected {sum(expected.values())}, "
          f"guardians with a wrong count: {len(wrong_receipts)}), failed requests {len(failures)}")
    for failure in failures[:10]:
        print(f"    {failure}")
    return 0 if lost == 0 and duplicated == 0 and not wrong_receipts and not failures and not base_failed else 1


if __name__ == "__main__":
    sys.exit(main())
