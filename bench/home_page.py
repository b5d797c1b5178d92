"""The home page on a busy evening: its server time against a page that makes
exactly one RPC call, measured in the same run.

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and SQLite files of its own, removed at the
end), builds a guardian with 3 children in 2 establishments (two accounts
merged, as the guide's "regroupement"), opens every service there, then loads
the home page of one child and `/compte/` (whose only call is `get_session`)
alternately, reading the gateway's own `Server-Timing`. Prints the median and
95th percentile of both and the ratio of the medians (target: at most 2×).

Usage: python -m bench.home_page [--requests 400]
"""
import argparse
import re
import statistics
import sys
import uuid
from datetime import timedelta

from bench.pages import ONE_RPC, load_pages, p95, run, started_platform
from tests.e2e.accounts_support import confirmed_guardian, first_connection, merge_accounts
from tests.helpers import WebUser, text_of

TARGET = 2.0
PASSWORD = "banc2026ab"



def family(uai: str, nom: str, type_: str, eleves: list[tuple]) -> dict:
    return {
        "etablissement": {"uai": uai, "nom": nom, "type": type_, "commune": "LILLE"},
        "eleves": [{"siecle_eleve_id": i, "nom": "BANC", "prenom": p, "date_naissance": d, "classe": c}
                   for i, p, d, c in eleves],
        "personnes": [{"siecle_personne_id": "9001", "nom": "BANC", "prenom": "Paul", "civilite": "M."}],
        "liens": [{"siecle_eleve_id": i, "siecle_personne_id": "9001", "niveau_responsabilite": 1,
                   "code_parente": "20"} for i, *_ in eleves],
    }


def activate(platform, letter: dict, birth: str) -> WebUser:
    """A guardian past the first connection (and, with a mailer, the mailed
    confirmation link followed), logged in."""
    email = f"{letter['identifiant']}@example.org"
    if platform.mail_dir is not None:
        return confirmed_guardian(platform, letter, birth, email, PASSWORD)
    user, _page = first_connection(platform, letter, birth, PASSWORD, email)
    return user


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="loads of each page")
    args = parser.parse_args(argv)
    return run(lambda: measure(args))


def measure(args) -> None:
    with started_platform((), "sqlite", name="home") as (platform, _tmp, services):
        rpc = platform.rpc(timeout=120)
        uai_a, uai_b = (f"{uuid.uuid4().int % 10**7:07d}{x}" for x in "AB")
        rpc.call("accounts", "import_siecle", payload=family(uai_a, "COLLÈGE DU BANC", "college", [
            ("1", "Anna", "2012-03-01", "5A"), ("2", "Bruno", "2014-05-02", "6B")]))
        rpc.call("accounts", "import_siecle", payload=family(uai_b, "LYCÉE DU BANC", "lycee", [
            ("3", "Chloé", "2009-07-03", "2NDE 1")]))
        letter_a = next(l for l in rpc.call("accounts", "issue_letters", uai=uai_a) if l["role"] == "responsable")
        letter_b = next(l for l in rpc.call("accounts", "issue_letters", uai=uai_b) if l["role"] == "responsable")

        user = activate(platform, letter_a, "2012-03-01")
        activate(platform, letter_b, "2009-07-03")
        page = merge_accounts(user, letter_b["identifiant"], PASSWORD)
        # A trimester later (the clock moved, not waited for), with its grades:
        # the home page has tiles to count since the previous connection.
        platform.clock.advance(timedelta(days=100))
        if "notes" in services:
            from tools.demo_notes import fill

            fill(rpc, [uai_a, uai_b], clock=platform.clock)
        # Every service that establishments open is opened in both.
        for name in services:
            for uai in (uai_a, uai_b):
                try:
                    state = rpc.call(name, "get_openings", uais=[uai])[uai]
                except Exception:
                    continue
                if state["staff_can_change"] and not state["open"]:
                    rpc.call(name, "set_opening", uai=uai, is_open=True, account_id=None)
        rpc.close()

        user.login(letter_a["identifiant"], PASSWORD)
        home = user.get("/")
        if "/eleve/" not in home.text:
            print(text_of(home.text)[:600], file=sys.stderr)
        children = sorted(set(int(i) for i in re.findall(r"/eleve/(\d+)/", home.text)))
        if len(children) != 3:
            print(f"the guardian sees {len(children)} children instead of 3: is the merge page there? "
                  f"({text_of(page.text)[:200]})", file=sys.stderr)
        home_path = f"/eleve/{children[0]}/"
        tiles = re.findall(r'fr-tile__title"><a[^>]*>([^<]+)<', user.get(home_path).text)
        timings = load_pages({"home": (user, home_path), ONE_RPC: (user, "/compte/")}, args.requests, warm_up=50)
        home_ms, one_ms = timings["home"], timings[ONE_RPC]

    ratio = statistics.median(home_ms) / statistics.median(one_ms)
    print(f"home page, guardian with {len(children)} children in 2 establishments, "
          f"services deployed: {', '.join(services)}; tiles shown: {', '.join(tiles) or 'none'}")
    print(f"  home page (/eleve/<id>/)   median {statistics.median(home_ms):6.2f} ms   p95 {p95(home_ms):6.2f} ms")
    print(f"  one-RPC page (/compte/)    median {statistics.median(one_ms):6.2f} ms   p95 {p95(one_ms):6.2f} ms")
    print(f"  ratio of medians           {ratio:.2f}x   (target: at most {TARGET:.1f}x) "
          f"{'OK' if ratio <= TARGET else 'ABOVE TARGET'}")


if __name__ == "__main__":
    sys.exit(main())
