"""What a family's phone downloads: the bytes transferred for a first visit
(empty cache) of the login page, a student's home page and notes page, in
Chromium, against the same pages with the stylesheets, script and fonts
served as before (the whole DSFR, uncompressed), measured in the same run.
Target: under 150 kB each. Then, when Lighthouse is installed (npm, pinned in
package.json), its mobile performance score of each page (target: 90 or more).

Starts every service of deploy/services.yml and the gateway as `make run`
does (on a RabbitMQ virtual host and SQLite files of its own, removed at the
end), with a class of 25 students and 300 grades each (bench.notes_pages).

Usage: python -m bench.page_weight [--no-lighthouse]
"""
import argparse
import json
import re
import shutil
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


def lighthouse(url: str, cookie: str | None) -> float | None:
    """Lighthouse's mobile performance score (0-100) with the system Chromium, or None."""
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
        return json.loads(out.read_text())["categories"]["performance"]["score"] * 100
    except (subprocess.SubprocessError, OSError, KeyError, ValueError) as exc:
        print(f"  (lighthouse could not run: {exc})", file=sys.stderr)
        return None
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-lighthouse", action="store_true")
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
        if not args.no_lighthouse:
            for label, (path, logged_in) in pages.items():
                scores[label] = lighthouse(platform.base_url + path, cookie_header if logged_in else None)
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
        print("Lighthouse mobile performance (target 90):")
        for label, score in scores.items():
            print(f"  {label:28s} {'not measured' if score is None else f'{score:.0f}'}")
    elif not LIGHTHOUSE.exists():
        print("Lighthouse: not installed (npm ci installs the version pinned in package.json)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
