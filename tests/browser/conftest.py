"""What every browser test shares: Debian's Chromium driven by Playwright (no
browser download), PC and smartphone contexts, and axe-core's verdict, each
recorded for the accessibility statement (tools/accessibility_statement.py)."""
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.fixtures import platform_on
from tools import accessibility_statement

# Headless, and nothing that reaches outside this machine.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PC = {"viewport": {"width": 1280, "height": 900}}


# Debian's headless shell (package chromium-headless-shell, built from the same
# sources as its Chromium: the same Blink, the same axe-core verdicts), not the
# whole browser in headless mode: that one builds a window of browser UI for
# every context (about 0.5 s of CPU each, against 0.08) and took, in all, 2.4
# times the CPU for the same pages (tests/browser/test_familles_pages.py: 119
# against 50 s). tools/ensure-services.sh installs it.
CHROMIUM = "/usr/bin/chromium-headless-shell"


# The shared platform, on SQLite only here, as every other browser test's own
# platform and `make run`: what a page shows does not depend on the backend,
# and tests/e2e/ walks the same journeys over HTTP on PostgreSQL.
platform = platform_on(["sqlite"])


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            pytest.fail(f"Le navigateur ne démarre pas ({CHROMIUM}) : les tests du navigateur ne peuvent pas "
                        f"tourner ; installez-le (apt-get install chromium-headless-shell) ou réparez-le. "
                        f"The browser cannot start: {first}", pytrace=False)
        yield b
        b.close()


def serious_violations(page, name: str | None = None) -> list[str]:
    """axe-core's serious and critical accessibility violations on this page.
    axe-core's whole verdict is recorded for the accessibility statement, under
    `name` (a page without one is recorded under its address and width)."""
    # The page whole, its stylesheet and script run (the design system's script
    # sets parts of the header up): a check right after a click could otherwise
    # read a page still loading.
    page.wait_for_load_state("load")
    results = Axe().run(page).response
    width = page.viewport_size["width"] if page.viewport_size else 0
    if name is None:
        name = f"adresse{accessibility_statement.page_path(page.url)}-{width}px"
    accessibility_statement.record_page(name, page.url, page.title(), width, results)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results["violations"]
            if v["impact"] in ("serious", "critical")]


def fill_birth_date(page, iso: str) -> None:
    """The first connection's birth date, typed in its three fields (jour,
    mois, année) as the parents' guide shows."""
    year, month, day = iso.split("-")
    group = page.get_by_role("group", name=re.compile("Date de naissance"))
    group.get_by_label("Jour").fill(day)
    group.get_by_label("Mois").fill(month)
    group.get_by_label("Année").fill(year)


# Issue 13's sizes: a PC and a phone with a mobile browser's user agent.
PC_1280 = {"viewport": {"width": 1280, "height": 800}}
PHONE_375 = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
             "device_scale_factor": 2,
             "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                           "Chrome/126.0.0.0 Mobile Safari/537.36"}
DEVICES = {"pc": PC_1280, "phone": PHONE_375}
# Where the browser tests leave the screenshots of the pages they visit (README, "Tests").
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def checked(page, name: str) -> None:
    """axe-core finds no serious or critical violation on this page, its whole
    verdict is recorded as var/accessibilite/resultats/<run>/pages/<name>.json (the
    accessibility statement's source), and with `--screenshots` (`make
    screenshots`) its screenshot is saved as var/screenshots/<name>.png."""
    assert serious_violations(page, name) == [], name
    if SAVE_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# Screenshots are for people to look at, nothing checks them, and a full-page
# picture costs about as much as axe-core's check (0.06 to 0.14 s each on a
# quiet machine, at a phone's device scale 2): saved only when asked.
SAVE_SCREENSHOTS = False


def pytest_configure(config):
    global SAVE_SCREENSHOTS
    SAVE_SCREENSHOTS = config.getoption("--screenshots")
