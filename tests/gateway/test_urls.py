"""The templates' addresses are kept per application (gateway/urls.py): they
must be the addresses Flask builds, under whatever script root the request
came through."""
import pytest
from flask import url_for

from gateway.urls import kept_url_for
from tests.gateway.viewers import UAI_A, UAI_B, child, log_in, responsable

SERVICES = {"accounts": {}, "mailer": {}}


@pytest.fixture
def app(make_app, fake_rpc, watch):
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    return make_app(SERVICES)


def test_a_page_links_under_the_script_root_it_was_asked_through(app, fake_rpc):
    family = responsable(child(101, "Hugo", UAI_A), child(102, "Zoé", UAI_B))
    for root in ("", "/portail", "", "/scolarite", "/portail"):
        client = app.test_client()
        log_in(client, fake_rpc, family)
        page = client.get("/eleve/101/", base_url=f"http://localhost{root}/")
        assert page.status_code == 200
        assert f'href="{root}/eleve/102/"' in page.text and f'href="{root}/compte/"' in page.text
        assert f'action="{root}/deconnexion"' in page.text


def test_every_address_of_the_application_is_the_one_flask_builds(app):
    assert not app.url_default_functions, "kept addresses assume no url_defaults callback (gateway/urls.py)"
    for root in ("", "/portail"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for rule in app.url_map.iter_rules():
                if rule.endpoint == "static":
                    continue
                values = {name: 7 if "id" in name else "0330001A" for name in rule.arguments}
                for _ in range(2):  # built, then kept
                    assert kept_url_for(rule.endpoint, **values) == url_for(rule.endpoint, **values), rule
            assert kept_url_for("home.child", eleve_id=7, _anchor="x") == url_for("home.child", eleve_id=7,
                                                                                   _anchor="x")
