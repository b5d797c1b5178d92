"""Where a login lands: where `/` would send the viewer (gateway/session.py
home_address), at once rather than through `/`: a family on their first
child's home page, staff on the administration; the page asked before the
login when there was one."""
import pytest

from tests.gateway.viewers import UAI_A, child, responsable, staff

SERVICES = {"accounts": {}, "mailer": {}}


def login_answer(view):
    return {"token": "jeton", "account_id": view["id"] if view else 1, "must_change_password": False,
            "must_confirm_email": False, "view": view, "generations": [0, 0] if view else None}


@pytest.mark.parametrize("view, landing", [
    (responsable(child(101, "Hugo", UAI_A), child(102, "Zoé", UAI_A)), "/eleve/101/"),
    (staff(UAI_A), "/admin/"),
    (responsable(), "/"),  # no child attached: `/` says so
    (None, "/"),  # accounts answered no view (no view cache): `/` finds out
])
def test_a_login_lands_where_the_home_address_leads(make_app, fake_rpc, watch, view, landing):
    fake_rpc.answers[("accounts", "login")] = lambda **kwargs: login_answer(view)
    client = make_app(SERVICES).test_client()
    response = client.post("/connexion", data={"identifiant": "p.martin", "mot_de_passe": "soleil2026"})
    assert response.status_code == 302 and response.headers["Location"] == landing
    if view is not None:
        fake_rpc.answers[("accounts", "get_session")] = lambda token, with_tiles=False: view
        fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                    for c in children]
        # `/` would have sent the viewer to the same place.
        root = client.get("/")
        assert (root.headers.get("Location") or "/") == landing


@pytest.mark.parametrize("asked, landing", [
    ("/eleve/101/notes/", "/eleve/101/notes/"),  # the page asked before the login
    ("//ailleurs.example/", "/eleve/101/"),  # another site: never; where `/` leads instead
])
def test_a_login_asked_on_the_way_to_a_page_leads_back_to_it_if_it_is_this_sites(make_app, fake_rpc, watch, asked,
                                                                                 landing):
    view = responsable(child(101, "Hugo", UAI_A))
    fake_rpc.answers[("accounts", "login")] = lambda **kwargs: login_answer(view)
    client = make_app(SERVICES).test_client()
    response = client.post(f"/connexion?suivant={asked}",
                           data={"identifiant": "p.martin", "mot_de_passe": "soleil2026"})
    assert response.headers["Location"] == landing
