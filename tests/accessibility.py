"""The accessibility statement stays true (docs/accessibilite.md).

The browser tests record what they find under var/accessibilite/resultats/
(tools/accessibility_statement.py). This plugin, loaded by the root
conftest.py so that it also runs in pytest-xdist's controller (which collects
nothing and so never loads tests/browser/conftest.py):

- gives the run a results folder of its own (in the controller, or in the
  only process without xdist; the workers inherit its name through the
  environment), so a run's results are its own and two runs never mix,
  and removes the folders of runs older than a day;
- has each process that collects say whether the whole browser suite
  (every tests/browser/test_*.py, nothing deselected) is in the run;
- at the end of a run that passed and ran the whole browser suite, compares
  what the tests found with the committed statement and fails the run when
  its claims (status, rate, pages covered, criteria results) no longer hold,
  or with --accessibilite-regenerer (`make accessibilite`) writes it anew.
Partial runs (-k, -m, one file) never fail for it."""
import json
import os
import shutil
import time
from datetime import date

import pytest

from common.config import ROOT
from tools import accessibility_statement as statement

BROWSER_TESTS = ROOT / "tests" / "browser"
KEEP_RUNS_SECONDS = 24 * 3600
STALE = ("la déclaration d'accessibilité n'est plus à jour : lancez make accessibilite "
         "(the accessibility statement is out of date: run make accessibilite)")


def pytest_addoption(parser):
    parser.addoption("--accessibilite-regenerer", action="store_true",
                     help="after a run of the whole browser suite that passed, write the accessibility statement "
                          "(gateway/areas/pages/accessibilite.json) from its results instead of comparing them")


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    if not _is_worker(session.config):
        os.environ[statement.RUN] = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        for old in statement.RESULTS.glob("*") if statement.RESULTS.is_dir() else []:
            if time.time() - old.stat().st_mtime > KEEP_RUNS_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
    session.config._browser_deselected = False


def _collected():
    return statement.run_dir() / "collecte"


def pytest_deselected(items):
    if items and any(BROWSER_TESTS in item.path.parents for item in items):
        items[0].config._browser_deselected = True


def pytest_collection_finish(session):
    files = {item.path for item in session.items if item.path.parent == BROWSER_TESTS}
    on_disk = set(BROWSER_TESTS.glob("test_*.py"))
    complete = bool(on_disk) and on_disk <= files and not session.config._browser_deselected
    worker = session.config.workerinput["workerid"] if _is_worker(session.config) else "seul"
    statement._write(_collected() / f"{worker}.json", {"complete": complete})


def _whole_browser_suite_ran() -> bool:
    said = [json.loads(p.read_text(encoding="utf-8")) for p in _collected().glob("*.json")] \
        if _collected().is_dir() else []
    return bool(said) and all(s["complete"] for s in said)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if _is_worker(config):
        return
    regenerate = config.getoption("--accessibilite-regenerer")
    if exitstatus != 0 or config.option.collectonly or not _whole_browser_suite_ran():
        if regenerate:
            config._accessibility_report = [
                "déclaration d'accessibilité non écrite : il faut toute la suite des tests du navigateur, "
                "sans échec (statement not written: the whole browser suite must run and pass)"]
        return
    pages, checks = statement.load_results(statement.run_dir())
    fresh = statement.build(pages, checks, date.today())
    if regenerate:
        statement.write_statement(fresh)
        config._accessibility_report = [f"Déclaration d'accessibilité écrite : {fresh['status']}, "
                                        f"taux {fresh['rate']} %, {len(fresh['pages'])} pages "
                                        f"→ {statement.STATEMENT}"]
        return
    changed = statement.differences(statement.committed_statement(), fresh)
    if changed:
        config._accessibility_report = [STALE, *("  " + line for line in changed)]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    lines = getattr(config, "_accessibility_report", None)
    if lines:
        terminalreporter.section("accessibilité")
        for line in lines:
            terminalreporter.write_line(line, red=line == STALE, bold=line == STALE)

