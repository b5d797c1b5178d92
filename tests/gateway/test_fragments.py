"""The layout's parts rendered once per process ({% once %}, gateway/fragments.py)
and the templates' translated sentences kept per locale (gateway/filters.py)
change nothing of what a page shows: a page is the same whichever page the
process rendered before it, and names put into sentences are escaped."""
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.gateway.viewers import UAI_A, UAI_B, child, log_in, responsable

SERVICES = {"accounts": {}, "mailer": {}, "sonde": {"label": "Sonde", "order": 30}}
CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def sonde_menus(children):
    return [{"eleve_id": c["eleve_id"], "menu": {"label": "Sonde", "path": "/sonde/", "order": 30}
             if c["etablissement_uai"] == UAI_A else None} for c in children]


@pytest.fixture
def pages(make_app, fake_rpc, watch):
    """pages(order) -> {label: HTML} rendered in that order on a fresh
    application (its fragments not rendered yet), CSRF tokens masked."""
    fake_rpc.answers[("sonde", "menus")] = sonde_menus
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]

    def render(order):
        app = make_app(SERVICES)
        out = {}
        for label in order:
            client = app.test_client()
            viewer = {"famille": responsable(child(101, "Hugo", UAI_A), child(102, "Zoé", UAI_B)),
                      "un enfant": responsable(child(103, "Léa", UAI_B), account_id=2)}.get(label)
            if viewer is not None:
                log_in(client, fake_rpc, viewer)
            path = {"famille": "/eleve/101/", "un enfant": "/eleve/103/", "connexion": "/connexion"}.get(label, label)
            response = client.get(path)
            assert response.status_code == 200, (label, response.status_code)
            out[label] = CSRF.sub(r'\1…"', response.text)
        return out

    return render


def test_a_page_is_the_same_whichever_page_the_process_rendered_before(pages, fake_rpc):
    fake_rpc.answers[("accounts", "login_message")] = {"message": ""}
    order = ["/contact", "famille", "un enfant", "connexion"]
    alone = {label: pages([label])[label] for label in order}
    assert pages(order) == alone
    assert pages(list(reversed(order))) == alone
    # What differs between these pages is there.
    assert 'title="Menu">Menu</button>' in alone["famille"] and 'title="Menu">' not in alone["/contact"]
    assert 'href="#menu-eleve"' in alone["famille"] and 'href="#menu-eleve"' not in alone["/contact"]
    assert "Services de Zoé" in alone["famille"] and "Zoé" not in alone["un enfant"]


def test_names_put_into_translated_sentences_are_escaped(make_app, fake_rpc, watch):
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    client = make_app({"accounts": {}, "mailer": {}}).test_client()
    log_in(client, fake_rpc, responsable(child(101, "<i>Hugo</i>", UAI_A)))
    for _ in range(2):  # the sentence kept the first time is formatted again with the name
        page = client.get("/eleve/101/").text
        assert "La scolarité de &lt;i&gt;Hugo&lt;/i&gt; MARTIN" in page
        assert "<i>Hugo" not in page


def test_each_session_finds_its_own_csrf_token_in_the_header(make_app, fake_rpc, watch):
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    app = make_app({"accounts": {}, "mailer": {}})
    tokens = []
    for _ in range(2):
        client = app.test_client()
        log_in(client, fake_rpc, responsable(child(101, "Hugo", UAI_A)))
        page = client.get("/eleve/101/").text
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
        with client.session_transaction() as session:
            assert tokens[-1].startswith(URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
                                         .dumps(session["csrf_token"]).split(".")[0])
    assert tokens[0] != tokens[1]
