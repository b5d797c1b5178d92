"""The LSL's Enseignements page in the gateway, the services replaced: the
content rendered for a version of the page is kept and shown again while the
service answers that the version is the same (the service is still asked, and
checks access, each time); a new version is rendered again."""
import pytest

from contract.errors import NotOpen
from tests.gateway.viewers import child, log_in, responsable
from tests.helpers import text_of

SERVICES = {"accounts": {}, "mailer": {}, "lsl": {"label": "Livret scolaire du lycée", "order": 40}}
HUGO = 7


def page(appreciation, version):
    matiere = {"code": "061300", "libelle": "Mathématiques", "appreciation": appreciation, "enseignants": ["M. DURAND"],
               "modalite": None, "moyenne_eleve": 14.5, "moyenne_groupe": 11.4, "effectif": 25,
               "repartition": {"moins_huit": 14.29, "huit_douze": 42.86, "plus_douze": 42.85},
               "competences": [{"libelle": "Raisonner, démontrer", "niveau_libelle": "Maîtrisées"}]}
    return {"annees": [{"annee_scolaire": 2026, "annee": "2026-2027", "classe": "TERM 2"}],
            "annee": {"annee_scolaire": 2026, "annee": "2026-2027", "classe": "TERM 2",
                      "regroupements": [{"libelle": "Enseignements obligatoires", "matieres": [matiere]}]},
            "version": version}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("lsl", "menus")] = lambda children: [
        {"eleve_id": c["eleve_id"], "menu": {"label": "Livret scolaire", "path": "/lsl/", "order": 40}}
        for c in children]
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    client = make_app(SERVICES).test_client()
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    return client


def test_the_content_of_a_version_is_shown_again_and_a_new_version_rendered(client, fake_rpc):
    def service(child, annee, known_version):
        current = state["page"]
        return {"version": current["version"]} if known_version == current["version"] else current

    state = {"page": page("Travail régulier.", "v1")}
    fake_rpc.answers[("lsl", "enseignements")] = service
    url = f"/eleve/{HUGO}/lsl/enseignements"
    first = client.get(url)
    assert first.status_code == 200 and "Travail régulier." in text_of(first.text)
    assert "Moyenne d'Hugo" in text_of(first.text)
    again = client.get(url)
    assert again.status_code == 200 and text_of(again.text) == text_of(first.text)
    assert [c["known_version"] for c in fake_rpc.called("lsl", "enseignements")] == [None, "v1"]

    state["page"] = page("Des progrès nets.", "v2")
    changed = text_of(client.get(url).text)
    assert "Des progrès nets." in changed and "Travail régulier." not in changed

    # Asked each time: a livret the school closed is closed at once.
    fake_rpc.answers[("lsl", "enseignements")] = NotOpen("lsl")
    assert client.get(url).status_code == 404
