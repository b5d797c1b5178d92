"""The accessibility statement (tools/accessibility_statement.py) says what the
browser tests found, counted as the RGAA counts, never more: a criterion fails
when it fails on one page, the rate is conform / (conform + non conform), the
site is "partiellement conforme" only when half the criteria are verified
respected; the footer's page and mention say the same; a statement whose
claims the tests no longer find is reported out of date."""
from datetime import date

import pytest

from tools import accessibility_statement as statement


def axe(violations=(), passes=(), incomplete=(), inapplicable=()):
    """axe-core's response as its run returns it: rules with their tags (the
    RGAA tests they check) and the elements found."""
    def rules(items, impact=None):
        return [{"id": rule_id, "help": f"aide de {rule_id}", "impact": impact,
                 "tags": ["wcag2a", *(f"RGAA-{c}.1" for c in criteria)], "nodes": [{}] * nodes}
                for rule_id, criteria, nodes in items]
    return {"violations": rules(violations, "serious"), "passes": rules(passes), "incomplete": rules(incomplete),
            "inapplicable": rules(inapplicable), "testEngine": {"version": "4.12.1"},
            "testEnvironment": {"userAgent": "Mozilla/5.0 HeadlessChrome/140.0.7339.185 Safari/537.36"}}


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setattr(statement, "RESULTS", tmp_path)
    monkeypatch.setenv(statement.RUN, "essai")
    return tmp_path / "essai"


def build(results):
    return statement.build(*statement.load_results(results), date(2026, 12, 1))


def test_a_criterion_failing_on_one_page_is_non_conform_and_the_rate_counts_as_rgaa_does(results):
    statement.record_page("1-connexion-pc", "http://127.0.0.1:5000/connexion", "Connexion – Scolarité services",
                          1280, axe(passes=[("color-contrast", ["3.2"], 40), ("label", ["11.1"], 2)]))
    statement.record_page("2-notes-phone", "http://127.0.0.1:5000/eleve/4182/notes/17?x=1",
                          "Mathématiques – Scolarité services", 375,
                          axe(violations=[("color-contrast", ["3.2"], 1)], passes=[("document-title", ["8.5"], 1)],
                              incomplete=[("aria-valid-attr", ["7.1"], 1)], inapplicable=[("image-alt", ["1.1"], 0)]))
    statement.record_check("clavier-connexion", "http://127.0.0.1:5000/connexion", "Connexion", 1280,
                           "Parcours au clavier", {"10.7": True, "12.7": False})

    found = build(results)
    criteria = found["criteria"]
    assert criteria["3.2"]["result"] == "non conforme"  # passes on the login page, fails on the subject's page
    assert criteria["3.2"]["failures"] == [{"what": "axe-core color-contrast : aide de color-contrast",
                                             "pages": ["/eleve/…/notes/… (téléphone)"]}]
    assert criteria["11.1"]["result"] == criteria["8.5"]["result"] == criteria["10.7"]["result"] == "conforme"
    assert criteria["12.7"]["result"] == "non conforme"
    assert criteria["12.7"]["failures"][0]["what"] == "Parcours au clavier"
    assert criteria["7.1"]["result"] == "à vérifier"
    assert criteria["1.1"]["result"] == "non applicable"
    assert criteria["13.1"]["result"] == "non évalué"
    assert found["counts"] == {"conforme": 3, "non conforme": 2, "à vérifier": 1, "non applicable": 1,
                               "non évalué": 99}
    assert found["rate"] == 60.0  # 3 / (3 + 2)
    assert found["status"] == "non conforme"  # 3 criteria verified respected of 105 applicable
    assert [p["path"] for p in found["pages"]] == ["/connexion", "/eleve/…/notes/…"]
    assert found["pages"][0] == {"path": "/connexion", "titles": ["Connexion"], "devices": ["ordinateur"]}
    assert found["environment"] == {"axe_version": ["4.12.1"], "browsers": ["Chromium 140.0.7339.185"]}


def test_half_the_criteria_respected_is_partially_conform_and_only_all_of_them_is_fully(results):
    numbers = list(statement.CRITERIA)
    statement.record_page("a", "http://x/a", "A", 1280, axe(passes=[(f"r{n}", [n], 1) for n in numbers[:53]]))
    assert build(results)["status"] == "partiellement conforme"

    statement.record_page("a", "http://x/a", "A", 1280, axe(passes=[(f"r{n}", [n], 1) for n in numbers[:52]]))
    assert build(results)["status"] == "non conforme"

    statement.record_page("a", "http://x/a", "A", 1280, axe(passes=[(f"r{n}", [n], 1) for n in numbers]))
    assert build(results)["status"] == "totalement conforme"
    statement.record_page("b", "http://x/b", "B", 375, axe(incomplete=[("r", [numbers[0]], 1)]))
    assert build(results)["status"] == "partiellement conforme"  # one criterion left to a person


def test_the_statement_is_out_of_date_when_what_it_claims_changes_and_not_for_its_date(results):
    statement.record_page("a", "http://x/connexion", "Connexion", 1280, axe(passes=[("label", ["11.1"], 1)]))
    committed = build(results)
    later = statement.build(*statement.load_results(results), date(2027, 1, 5))
    assert statement.differences(committed, later) == []

    statement.record_page("b", "http://x/aide", "Aide", 375, axe(violations=[("label", ["11.1"], 1)]))
    assert statement.differences(committed, build(results)) == [
        "état : non conforme (100.0 %) → non conforme (0.0 %)",
        "page vérifiée en plus / page now covered : /aide",
        "critère 11.1 : conforme → non conforme"]
    assert statement.differences(None, committed) == ["aucune déclaration enregistrée / no statement committed"]


def test_a_criterion_left_to_a_person_may_be_found_respected_but_not_the_other_way(results):
    """axe-core's undecided outcomes vary between runs: a statement saying
    « à vérifier » stays true when a run decides everything, one saying
    « conforme » does not when a run leaves elements undecided."""
    statement.record_page("a", "http://x/connexion", "Connexion", 1280,
                          axe(passes=[("label", ["11.1"], 1)], incomplete=[("color-contrast", ["3.2"], 1)]))
    cautious = build(results)
    statement.record_page("a", "http://x/connexion", "Connexion", 1280,
                          axe(passes=[("label", ["11.1"], 1), ("color-contrast", ["3.2"], 1)]))
    decided = build(results)
    assert statement.differences(cautious, decided) == []
    assert statement.differences(decided, cautious) == ["critère 3.2 : conforme → à vérifier"]


# -- The run keeps the committed statement true (tests/accessibility.py) ---------------------------

A_BROWSER_TEST = '''
from tools import accessibility_statement as statement


def test_a_page():
    statement.record_page("{name}", "http://127.0.0.1/{name}", "{name}", 1280, {{"passes": [
        {{"id": "label", "help": "", "tags": ["RGAA-11.1.1"], "nodes": [{{}}]}}]}})
'''


@pytest.fixture
def suite(pytester, monkeypatch):
    """A browser suite of two pages in a directory of its own, its results and
    statement beside it, and the plugin watching it."""
    from tests import accessibility as plugin

    browser = pytester.mkdir("browser")
    for name in ("connexion", "accueil"):
        (browser / f"test_{name}.py").write_text(A_BROWSER_TEST.format(name=name), encoding="utf-8")
    monkeypatch.setattr(plugin, "BROWSER_TESTS", browser)
    monkeypatch.setattr(statement, "RESULTS", pytester.path / "resultats")
    monkeypatch.setenv(statement.RUN, "pytester")  # each run below names its own; this one's comes back after
    monkeypatch.setattr(statement, "STATEMENT", pytester.path / "accessibilite.json")

    def run(*args):
        return pytester.runpytest_inprocess("-p", "tests.accessibility", "-p", "no:cacheprovider",
                                           "--suppress-nameko-eventlet-notification", *args)
    return browser, run


def test_a_whole_run_fails_when_the_statement_no_longer_says_what_the_tests_find_a_partial_one_never(suite):
    browser, run = suite
    assert run("--accessibilite-regenerer").ret == 0
    assert [p["path"] for p in statement.committed_statement()["pages"]] == ["/accueil", "/connexion"]

    (browser / "test_aide.py").write_text(A_BROWSER_TEST.format(name="aide"), encoding="utf-8")
    assert run("-k", "not aide").ret == 0  # partial runs never fail for it
    assert run(str(browser / "test_aide.py")).ret == 0
    stale = run()
    assert stale.ret == 1
    stale.stdout.fnmatch_lines([
        "*la déclaration d'accessibilité n'est plus à jour : lancez make accessibilite "
        "(the accessibility statement is out of date: run make accessibilite)*",
        "*page vérifiée en plus / page now covered : /aide*"])
