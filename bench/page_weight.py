"""What a family's phone downloads: the bytes transferred for a first visit
(empty cache) of the login page, a student's home page and notes page, in
Chromium, against the same pages with the stylesheets, script and fonts
served as before (the whole DSFR, uncompressed), measured in the same run.
Target: under 150 kB each. Then, when Lighthouse is installed (npm, pinned in
package.json), its mobile performance score of each page (target: 90 or more),
run several times (the score is noisy): each run's score, the median, and the
median run's metrics and what Lighthouse blames.

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and SQLite files of its own, removed at the
end), with a class of 25 students and 300 grades each (bench.notes_pages).

Usage: python -m bench.page_weight [--no-lighthouse] [--runs N] [--reports DIR]
(--reports keeps Lighthouse's JSON reports there.)
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.notes_pages import PASSWORD, grades, school
from common.config import ROOT
from common.deployment import deployed_services
from tests.fixtures import Databases, Platform, VirtualHosts
from tests.helpers import WebUser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
TARGET = 150_000


def lighthouse_version() -> str:
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text())["version"] if package.exists() else "?"

# What the pages linked before the build (gateway/assets.py): the whole DSFR,
# served uncompressed by the former route, and theme.css.
BEFORE = ["/static/dsfr/dsfr.min.css", "/static/dsfr/utility/utility.min.css", "/static/theme.css",
          "/static/dsfr/dsfr.module.min.js"]


def first_visit(browser, base_url: str, path: str, cookies: list) -> dict:
    """Bytes received (headers and body, as sent: compressed or not) for `path`
    with an empty cache, by resource, from Chromium's own network log."""
    context = browser.new_context(**PHONE)
    context.add_cookies(cookies)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    urls, received = {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished",
           lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(base_url + path, wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    context.close()
    return {urls.get(rid, rid): size for rid, size in received.items()}


def fonts_loaded(visit: dict) -> list[str]:
    return [u for u in visit if re.search(r"\.woff2?$", u)]


def before_bytes(user: WebUser, base_url: str, visit: dict) -> int:
    """The same page with the former stylesheets, script and whole fonts, uncompressed."""
    html = next(size for url, size in visit.items() if not url.startswith(base_url + "/static/"))
    total = html
    for path in BEFORE:
        response = user.http.get(base_url + path, headers={"Accept-Encoding": "identity"})
        total += len(response.content) + sum(len(k) + len(v) + 4 for k, v in response.headers.items())
    for url in fonts_loaded(visit):
        name = url.rsplit("/", 1)[1].replace(".fr.woff2", ".woff2")
        total += len(user.http.get(f"{base_url}/static/dsfr/fonts/{name}").content)
    return total


def lighthouse(url: str, cookie: str | None, keep: Path | None = None) -> dict | None:
    """Lighthouse's mobile report (simulated throttling, its default) with the
    system Chromium, or None; kept as `keep` when given."""
    if not LIGHTHOUSE.exists():
        return None
    out = Path(tempfile.mkdtemp(prefix="lh-")) / "report.json"
    command = [str(LIGHTHOUSE), url, "--only-categories=performance", "--output=json", f"--output-path={out}",
               "--quiet", f"--chrome-flags={' '.join(CHROMIUM_ARGS)}", "--form-factor=mobile"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    try:
        subprocess.run(command, check=True, timeout=180, env={"CHROME_PATH": CHROMIUM, "PATH": "/usr/bin:/bin"},
                       capture_output=True)
        report = json.loads(out.read_text())
        score(report)  # a run that failed to load the page has no score: not counted
        if keep:
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, keep)
        return report
    except (subprocess.SubprocessError, OSError, KeyError, TypeError, ValueError) as exc:
        print(f"  (lighthouse could not run: {exc})", file=sys.stderr)
        return None
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def score(report: dict) -> float:
    return report["categories"]["performance"]["score"] * 100


METRICS = [("first-contentful-paint", "FCP"), ("largest-contentful-paint", "LCP"), ("speed-index", "SI"),
           ("total-blocking-time", "TBT"), ("cumulative-layout-shift", "CLS")]


def blamed(report: dict) -> list[str]:
    """The audits of the performance category that do not pass, worst first."""
    audits = report["audits"]
    out = []
    for ref in report["categories"]["performance"]["auditRefs"]:
        audit = audits.get(ref["id"], {})
        if ref.get("group") == "metrics" or audit.get("score") is None or audit["score"] >= 0.9:
            continue
        if audit.get("scoreDisplayMode") not in ("numeric", "binary", "metricSavings"):
            continue
        out.append((audit["score"], f"{audit['title']}" + (f" ({audit['displayValue']})" if audit.get("displayValue") else "")))
    return [text for _, text in sorted(out)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--runs", type=int, default=5, help="Lighthouse runs per page (median printed)")
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's JSON reports in this folder")
    args = parser.parse_args(argv)

    services = deployed_services()
    tmp = Path(tempfile.mkdtemp(prefix="bench-weight-"))
    vhosts, databases = VirtualHosts(), Databases(tmp)
    platform = Platform(vhosts, databases, "sqlite", tmp, services)
    results, scores = {}, {}
    try:
        platform.start(list(services))
        rpc = platform.rpc(timeout=300)
        uai = f"{uuid.uuid4().int % 10**7:07d}N"
        rpc.call("accounts", "import_siecle", payload=school(uai))
        letter = next(x for x in rpc.call("accounts", "issue_letters", uai=uai) if x["prenom"] == "Élève00")
        if "notes" in services:
            subjects, rows = grades(platform)
            rpc.call("notes", "import_matieres", uai=uai, rows=subjects)
            rpc.call("notes", "import_evaluations", uai=uai, rows=rows)
            rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
        rpc.close()

        user = WebUser(platform.base_url)
        user.login(letter["identifiant"], letter["password"])
        page = user.post_form("/premiere-connexion", {
            "date_naissance": "2012-03-01", "new_password": PASSWORD, "new_password_confirm": PASSWORD})
        eleve_id = int(re.search(r"/eleve/(\d+)/", page.url + page.text).group(1))
        pages = {"login (/connexion)": ("/connexion", False), "home (/eleve/<id>/)": (f"/eleve/{eleve_id}/", True)}
        if "notes" in services:
            pages["notes (/eleve/<id>/notes/)"] = (f"/eleve/{eleve_id}/notes/", True)
        host = platform.base_url.split("//")[1].split(":")[0]
        cookies = [{"name": c.name, "value": c.value, "domain": host, "path": "/"} for c in user.http.cookies]
        cookie_header = "; ".join(f"{c.name}={c.value}" for c in user.http.cookies)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for label, (path, logged_in) in pages.items():
                visit = first_visit(browser, platform.base_url, path, cookies if logged_in else [])
                results[label] = (visit, before_bytes(user, platform.base_url, visit))
            browser.close()
        if not args.no_lighthouse and LIGHTHOUSE.exists():
            load = os.getloadavg()
            for label, (path, logged_in) in pages.items():
                slug = path.strip("/").split("/")[-1] if logged_in else "connexion"
                reports = [lighthouse(platform.base_url + path, cookie_header if logged_in else None,
                                      args.reports / f"{slug or 'accueil'}-{run + 1}.json" if args.reports else None)
                           for run in range(args.runs)]
                scores[label] = [r for r in reports if r is not None]
            load = (load, os.getloadavg())
    finally:
        platform.stop()
        databases.cleanup()
        vhosts.cleanup()

    print("page weight, first visit with an empty cache, Chromium as a phone (390x844)")
    ok = True
    for label, (visit, before) in results.items():
        total = sum(visit.values())
        ok &= total < TARGET
        print(f"  {label:28s} {total / 1000:7.1f} kB in {len(visit):2d} requests   "
              f"before: {before / 1000:7.1f} kB   {before / total:5.1f}x lighter   "
              f"({'under' if total < TARGET else 'OVER'} the {TARGET // 1000} kB target)")
        for url, size in sorted(visit.items(), key=lambda kv: -kv[1])[:6]:
            print(f"      {size / 1000:6.1f} kB  {url.split('//', 1)[-1].split('/', 1)[-1]}")
    if scores:
        (before, after) = load
        print(f"Lighthouse {lighthouse_version()} mobile performance (target 90), {args.runs} runs a page; "
              f"load average {before[0]:.2f} at the start, {after[0]:.2f} at the end:")
        medians = {}
        for label, reports in scores.items():
            if not reports:
                print(f"  {label:28s} not measured")
                continue
            runs = [score(r) for r in reports]
            medians[label] = statistics.median(runs)
            print(f"  {label:28s} median {medians[label]:3.0f}   runs: {' '.join(f'{x:.0f}' for x in runs)}"
                  f"   ({'at or above' if medians[label] >= 90 else 'UNDER'} 90)")
            middle = sorted(reports, key=score)[len(reports) // 2]
            print("      " + "   ".join(f"{short} {middle['audits'][key]['displayValue']}".replace("\xa0", " ")
                                        for key, short in METRICS))
            for text in blamed(middle)[:6]:
                print(f"      - {text}".replace("\xa0", " "))
        if medians:
            print(f"  {'median of the pages':28s} {statistics.median(medians.values()):6.0f}")
    elif not LIGHTHOUSE.exists():
        print("Lighthouse: not installed (npm ci installs the version pinned in package.json)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
