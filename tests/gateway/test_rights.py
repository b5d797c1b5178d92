"""Administration rights: staff administer their own establishment only,
operators every one, families none; another establishment answers like one
that does not exist, before any service is asked about it."""
import re

import pytest

from tests.gateway.viewers import UAI_A, UAI_B, child, log_in, responsable, staff

SERVICES = {"accounts": {}, "mailer": {}, "notes": {"label": "Notes", "order": 20}}


def without_token(page: str) -> str:
    """The page without its CSRF token, which is signed with the second it
    was made: two pages made a second apart differ by it alone."""
    return re.sub(r'(name="csrf_token" value=")[^"]*', r"\1", page)


def etablissement(uai):
    return {"uai": uai, "nom": f"Collège {uai}", "commune": "Paris", "message_accueil": ""}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: etablissement(uai)
    fake_rpc.answers[("notes", "get_openings")] = lambda uais, annee_scolaire: {
        u: {"open": False, "staff_can_change": True, "annee_scolaire": annee_scolaire} for u in uais}
    fake_rpc.answers[("accounts", "get_openings")] = lambda uais, annee_scolaire: {
        u: {"open": True, "staff_can_change": False, "annee_scolaire": annee_scolaire} for u in uais}
    fake_rpc.answers[("notes", "get_settings")] = lambda uai: {"publication_mode": "fil_de_l_eau"}
    return make_app(SERVICES).test_client()


def test_staff_administer_their_establishment(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))

    page = client.get(f"/admin/etablissement/{UAI_A}/")
    assert page.status_code == 200
    assert "Notes\u00a0: mode de publication" in page.text
    assert client.get(f"/admin/etablissement/{UAI_A}/notes").status_code == 200


@pytest.mark.parametrize("url", [f"/admin/etablissement/{UAI_B}/", f"/admin/etablissement/{UAI_B}/notes",
                                 f"/admin/etablissement/{UAI_B}/lettres", f"/admin/etablissement/{UAI_B}/courriels"])
def test_staff_never_reach_another_establishment(client, fake_rpc, url):
    log_in(client, fake_rpc, staff(UAI_A))

    page = client.get(url)
    assert page.status_code == 404
    other = client.get("/admin/etablissement/0000000X/").text
    assert without_token(other) != other  # the token is there, and left out of the comparison
    assert without_token(page.text) == without_token(other)
    assert fake_rpc.called("accounts", "get_etablissement") == []
    assert fake_rpc.called("notes", "get_settings") == []


def test_staff_cannot_open_a_service_for_another_establishment(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))

    page = client.post(f"/admin/etablissement/{UAI_B}/ouverture/notes", data={"ouvert": "1"})
    assert page.status_code == 404
    assert fake_rpc.called("notes", "set_opening") == []


def test_operators_administer_every_establishment(client, fake_rpc):
    log_in(client, fake_rpc, staff(None, role="operator"))

    assert client.get(f"/admin/etablissement/{UAI_B}/").status_code == 200


def test_families_never_reach_the_administration(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(101, "Hugo", UAI_A)))

    assert client.get("/admin/").status_code == 404
    assert client.get(f"/admin/etablissement/{UAI_A}/").status_code == 404
    assert fake_rpc.called("accounts", "get_etablissement") == []


OPERATOR_PAGES = [("get", "/admin/personnels/"), ("post", "/admin/message-connexion"), ("get", "/admin/liens/"),
                  ("post", "/admin/liens/7/retirer"), ("get", "/admin/bourses/"), ("post", "/admin/bourses/"),
                  ("get", "/admin/inscription/"), ("post", "/admin/inscription/")]


@pytest.mark.parametrize("viewer", [staff(UAI_A), responsable(child(101, "Hugo", UAI_A))])
@pytest.mark.parametrize("method, url", OPERATOR_PAGES)
def test_the_académie_pages_are_the_operators_only(make_app, fake_rpc, watch, viewer, method, url):
    client = make_app({**SERVICES, "bourses": {"label": "Bourses", "order": 60},
                       "inscription": {"label": "Inscription au lycée", "order": 70}}).test_client()
    log_in(client, fake_rpc, viewer)

    assert getattr(client, method)(url).status_code == 404
    asked = [(service, name) for service, name, *_rest in fake_rpc.calls if name != "get_session"]
    assert asked == []
