"""The footer's "Accessibilité" page and mention say the generated statement
(gateway/areas/pages/accessibilite.json, tools/accessibility_statement.py)."""
import pytest

from tests.test_accessibility_statement import axe, build, results  # noqa: F401 (fixture)
from tools import accessibility_statement as statement


@pytest.fixture
def client(make_app, fake_rpc, watch):
    return make_app().test_client()


def test_the_footer_page_and_mention_say_the_generated_statement(results, client, monkeypatch, tmp_path):
    from gateway.areas.pages import views

    statement.record_page("1-connexion-pc", "http://x/connexion", "Connexion – Scolarité services", 1280,
                          axe(violations=[("color-contrast", ["3.2"], 2)], passes=[("label", ["11.1"], 1)]))
    path = tmp_path / "accessibilite.json"
    statement.write_statement(build(results), path)
    monkeypatch.setattr(views, "STATEMENT", path)
    views.accessibility_statement.cache_clear()
    try:
        page = client.get("/accessibilite").text
        home = client.get("/contact").text
    finally:
        views.accessibility_statement.cache_clear()

    assert "Accessibilité\u00a0: non conforme</a>" in home and "Accessibilité\u00a0: non conforme</a>" in page
    main = page.split("<main", 1)[1]
    assert "Scolarité services est non conforme avec le référentiel général" in main
    assert "50\u00a0% des critères évalués sont respectés" in main
    assert "Critère 3.2 (Dans chaque page web, le contraste entre la couleur du texte" in main
    assert "axe-core color-contrast\u00a0: aide de color-contrast\u00a0: /connexion (ordinateur)" in main
    assert "Cette déclaration a été établie le 01/12/2026" in main
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in main


def test_the_committed_statement_is_the_one_the_footer_mentions(client):
    committed = statement.committed_statement()
    assert committed is not None, "gateway/areas/pages/accessibilite.json: lancez make accessibilite"
    assert committed["status"] in ("non conforme", "partiellement conforme", "totalement conforme")
    assert committed["status"] != "totalement conforme" or committed["counts"]["non évalué"] == 0
    assert f"Accessibilité\u00a0: {committed['status']}</a>" in client.get("/accessibilite").text
