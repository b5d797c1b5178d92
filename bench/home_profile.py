"""Where the gateway's CPU goes on the home page (docs/performance.md, issue 11):
cProfile of `/` and of the child's home page in the Flask test client, in
this process, with the caches warm (the session's view and tiles in Redis,
the menus in the worker's watch), against the real services of
`bench.evening_peak --home-only` (accounts, mailer, notes; a guardian of three
children with published grades).

Usage: python -m bench.home_profile [--requests 500] [--top 30] [--sort tottime]
"""
import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

from bench.evening_peak import CSRF, PASSWORD, prepare
from common.deployment import deployed_services
from tests.fixtures import Databases, Platform, VirtualHosts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args(argv)
    services = {n: s for n, s in deployed_services().items() if n in {"accounts", "mailer", "notes"}}
    tmp = Path(tempfile.mkdtemp(prefix="bench-home-profile-"))
    vhosts, databases = VirtualHosts(), Databases(tmp)
    platform = Platform(vhosts, databases, "sqlite", tmp, services, env={"SCOLARITE_LOG_LEVEL": "WARNING"})
    try:
        platform.start(list(services))
        ident = prepare(platform, 1)[0]
        os.environ.update(platform.env)
        from gateway.app import create_app

        client = create_app().test_client()
        page = client.get("/connexion").text
        response = client.post("/connexion", data={"csrf_token": unescape(CSRF.search(page).group(1)),
                                                   "identifiant": ident, "mot_de_passe": PASSWORD})
        assert response.status_code == 302, response.status_code
        home = client.get("/").headers["Location"]
        for _ in range(50):
            assert client.get("/").status_code == 302
            response = client.get(home)
        assert response.status_code == 200 and 'session;desc="cache"' in response.headers["Server-Timing"], \
            response.headers["Server-Timing"]
        for path, label in (("/", "/ (redirect to the first child's home page)"), (home, "home page " + home)):
            # Without the profiler first: the CPU per request, median of 5 rounds.
            rounds = []
            for _ in range(5):
                started = time.process_time()
                for _ in range(args.requests // 5):
                    client.get(path)
                rounds.append((time.process_time() - started) / (args.requests // 5) * 1000)
            print(f"== {label}: {sorted(rounds)[2]:.3f} ms of CPU per request without the profiler (rounds: "
                  f"{', '.join(f'{r:.3f}' for r in rounds)})")
            profile = cProfile.Profile()
            started = time.process_time()
            profile.enable()
            for _ in range(args.requests):
                client.get(path)
            profile.disable()
            cpu = (time.process_time() - started) / args.requests * 1000
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(f"== {label}: {cpu:.2f} ms of CPU per request under the profiler (load average "
                  f"{os.getloadavg()[0]:.1f})")
            print(out.getvalue())
    finally:
        platform.stop()
        databases.cleanup()
        vhosts.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
