"""A feature service's area exists only where the service is deployed
(deploy/services.yml): not deployed, its pages are not found at once, without
asking anyone, and the establishment's administration page does not offer them."""
from common.deployment import deployed_services

WITHOUT_NOTES = {name: s for name, s in deployed_services().items() if name != "notes"}
WITH_NOTES = {**WITHOUT_NOTES, "notes": {"label": "Notes", "order": 20}}


def rules(app):
    return {rule.rule for rule in app.url_map.iter_rules()}


def test_notes_not_deployed_means_no_notes_page_at_all(make_app, fake_rpc):
    app = make_app(WITHOUT_NOTES)
    client = app.test_client()

    for url in ("/eleve/7/notes/", "/eleve/7/notes/3", "/admin/etablissement/0750001A/notes"):
        page = client.get(url)
        assert page.status_code == 404, url
        assert "Page introuvable" in page.text
    assert fake_rpc.calls == []
    assert not [rule for rule in rules(app) if "notes" in rule]
    assert "admin_notes.settings" not in dict(app.extensions["admin_pages"])


def test_notes_deployed_brings_its_pages_and_its_administration_link(make_app, fake_rpc):
    app = make_app(WITH_NOTES)

    assert {"/eleve/<int:eleve_id>/notes/", "/admin/etablissement/<uai>/notes"} <= rules(app)
    assert "admin_notes.settings" in dict(app.extensions["admin_pages"])
    # Not logged in: the page exists and sends to the login page.
    assert app.test_client().get("/eleve/7/notes/").status_code == 302


def test_the_caught_mail_pages_exist_only_in_development(make_app, fake_rpc):
    assert "/dev/courriels/" not in rules(make_app(DEV_MODE=False))
    assert "/dev/courriels/" in rules(make_app(DEV_MODE=True))
