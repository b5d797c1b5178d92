"""Two versions of the project side by side, in one run: the same pages'
server time (the gateway's own `Server-Timing`) on each, requests alternating
between them, so that the machine's load weighs on both alike.

Each tree (a checkout or an exported commit, with `.venv` reachable) starts
its own platform as bench.home_page does, on a virtual host and SQLite files
of its own, with the same data: a guardian with 3 children in 2
establishments, grades, every service opened. Then the home page of one
child, its notes page and `/compte/` (one RPC call) are loaded in turn on A
and on B. Prints medians and p95s per page and the ratio B / A.

Used to decide whether common/messaging.py's overrides of Nameko internals
were worth keeping (docs/messaging.md, "Page-level measurement").

Usage: python -m bench.ab_pages --a /tmp/old-tree --b . [--requests 300]
"""
import argparse
import re
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.pages import p95, server_ms
from tests.helpers import WebUser

# Run inside each tree, with that tree's own code.
SERVE = r'''
import json, re, sys, tempfile, uuid
from datetime import timedelta
from pathlib import Path
from bench.home_page import PASSWORD, activate, family
from tests.e2e.accounts_support import merge_accounts
from common.deployment import deployed_services
from tests.fixtures import Databases, Platform, VirtualHosts

services = deployed_services()
tmp = Path(tempfile.mkdtemp(prefix="bench-ab-"))
vhosts, databases = VirtualHosts(), Databases(tmp)
platform = Platform(vhosts, databases, "sqlite", tmp, services)
try:
    platform.start(list(services))
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
    # "Regrouper des comptes": the step, then its confirmation (the third child joins).
    merged = merge_accounts(user, letter_b["identifiant"], PASSWORD)
    if "Chloé" not in user.get("/").text:
        raise SystemExit(f"the merge did not bring the third child ({merged.status_code})")
    platform.clock.advance(timedelta(days=100))
    from tools.demo_notes import fill
    fill(rpc, [uai_a, uai_b], clock=platform.clock)
    for name in services:
        for uai in (uai_a, uai_b):
            try:
                state = rpc.call(name, "get_openings", uais=[uai])[uai]
            except Exception:
                continue
            if state["staff_can_change"] and not state["open"]:
                rpc.call(name, "set_opening", uai=uai, is_open=True, account_id=None)
    rpc.close()
    print(json.dumps({"base_url": platform.base_url, "identifiant": letter_a["identifiant"],
                      "password": PASSWORD}), flush=True)
    sys.stdin.read()
finally:
    platform.stop()
    databases.cleanup()
    vhosts.cleanup()
'''


def serve(tree: Path) -> tuple[subprocess.Popen, dict]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.Popen([str(tree / ".venv" / "bin" / "python"), "-W", "ignore", "-c", SERVE], cwd=tree,
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"{tree}: the platform did not start")
    return proc, json.loads(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True, type=Path, help="the reference tree")
    parser.add_argument("--b", required=True, type=Path, help="the tree compared with it")
    parser.add_argument("--requests", type=int, default=300, help="loads of each page on each side")
    args = parser.parse_args(argv)
    sides = {}
    try:
        for label, tree in (("A", args.a.resolve()), ("B", args.b.resolve())):
            proc, info = serve(tree)
            user = WebUser(info["base_url"])
            home = user.login(info["identifiant"], info["password"])
            child = sorted({int(i) for i in re.findall(r"/eleve/(\d+)/", home.text)})[0]
            sides[label] = (proc, user, {"home": f"/eleve/{child}/", "notes": f"/eleve/{child}/notes/",
                                         "compte": "/compte/"})
        times = {label: {page: [] for page in ("home", "notes", "compte")} for label in sides}
        for _ in range(30):  # warm-up
            for label, (_proc, user, paths) in sides.items():
                for path in paths.values():
                    user.get(path)
        for round_ in range(args.requests):
            # Each side goes first every other round: neither always follows the other.
            order = ("A", "B") if round_ % 2 == 0 else ("B", "A")
            for page in ("home", "notes", "compte"):
                for label in order:
                    _proc, user, paths = sides[label]
                    times[label][page].append(server_ms(user.get(paths[page])))
    finally:
        for proc, *_ in sides.values():
            proc.stdin.close()
            proc.wait(120)
    print(f"A = {args.a}, B = {args.b}; {args.requests} loads of each page on each, alternating")
    for page in ("home", "notes", "compte"):
        a, b = times["A"][page], times["B"][page]
        print(f"  {page:7s} A median {statistics.median(a):6.2f} ms p95 {p95(a):6.2f}   "
              f"B median {statistics.median(b):6.2f} ms p95 {p95(b):6.2f}   "
              f"B/A {statistics.median(b) / statistics.median(a):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
