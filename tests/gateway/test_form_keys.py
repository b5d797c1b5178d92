"""A family's form to a feature service (vie scolaire, LSL, bourses, fiche)
whose answer did not come in time (gateway/rpc.py), the services replaced
(tests/gateway/conftest.py): the page says the outcome is not known and keeps
the input; the same form sent again asks with the same idempotency key, so the
service (which runs a command once per key, services/*/tests/test_commands.py)
answers from its record instead of recording the request twice."""
import pytest

from contract.errors import NoAnswer
from tests.gateway.test_vie_scolaire_area import page_data
from tests.gateway.viewers import child, log_in, responsable

SERVICES = {"accounts": {}, "mailer": {}, "vie_scolaire": {"label": "Vie scolaire", "order": 30},
            "lsl": {"label": "Livret scolaire du lycée", "order": 40}, "bourses": {"label": "Bourses", "order": 60},
            "fiche": {"label": "Fiche de renseignements", "order": 50}}
HUGO = 7


@pytest.fixture
def client(make_app, fake_rpc, watch):
    for service, path in (("vie_scolaire", "/vie-scolaire/"), ("lsl", "/lsl/"), ("bourses", "/bourses/"),
                          ("fiche", "/fiche/")):
        fake_rpc.answers[(service, "menus")] = lambda children, path=path, service=service: [
            {"eleve_id": c["eleve_id"], "menu": {"label": service, "path": path, "order": 30}} for c in children]
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    client = make_app(SERVICES).test_client()
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    return client


def _sent_twice(client, fake_rpc, service, method, url, form, done, typed="Fièvre"):
    fake_rpc.answers[(service, method)] = NoAnswer(f"{service}: no answer in time")
    page = client.post(url, data=form)
    assert page.status_code == 503
    assert "nous ne savons pas" in page.text and typed in page.text  # the input is kept
    first_key = fake_rpc.keys(service, method)[0]
    fake_rpc.answers[(service, method)] = done
    page = client.post(url, data=form)
    assert page.status_code == 302
    assert fake_rpc.keys(service, method)[-1] == first_key
    # Known now: the next form is another request, with a key of its own.
    client.post(url, data=form)
    assert fake_rpc.keys(service, method)[-1] != first_key


def test_a_justification_sent_again_after_no_answer_asks_with_its_key(client, fake_rpc):
    fake_rpc.answers[("vie_scolaire", "page")] = lambda child, since, periode, known_version=None: page_data()
    _sent_twice(client, fake_rpc, "vie_scolaire", "justify", f"/eleve/{HUGO}/vie-scolaire/absence/41/justifier",
                {"motif": "MAL", "commentaire": "Fièvre"}, {"etat": "en_attente"})


def test_a_justification_with_another_document_is_another_request(client, fake_rpc):
    """The same fields with another file are not the same form: a new key, so
    the service does not answer the first document's outcome for the second."""
    import base64
    import io

    fake_rpc.answers[("vie_scolaire", "page")] = lambda child, since, periode, known_version=None: page_data()
    url = f"/eleve/{HUGO}/vie-scolaire/absence/41/justifier"

    def form(content):
        return {"motif": "MAL", "commentaire": "Fièvre", "document": (io.BytesIO(content), "certificat.pdf")}

    fake_rpc.answers[("vie_scolaire", "justify")] = NoAnswer("vie_scolaire: no answer in time")
    assert client.post(url, data=form(b"%PDF-1.4 premier"), content_type="multipart/form-data").status_code == 503
    first_key = fake_rpc.keys("vie_scolaire", "justify")[0]
    client.post(url, data=form(b"%PDF-1.4 premier"), content_type="multipart/form-data")
    assert fake_rpc.keys("vie_scolaire", "justify")[-1] == first_key  # the same file: the same form
    client.post(url, data=form(b"%PDF-1.4 second"), content_type="multipart/form-data")
    assert fake_rpc.keys("vie_scolaire", "justify")[-1] != first_key
    # The document still reaches the service whole after its digest was taken.
    sent = fake_rpc.called("vie_scolaire", "justify")[-1]["form"]["document"]
    assert base64.b64decode(sent["contenu"]) == b"%PDF-1.4 second"


def test_an_lsl_request_sent_again_after_no_answer_asks_with_its_key(client, fake_rpc):
    fake_rpc.answers[("lsl", "home")] = {
        "eleve": {"prenom": "Hugo", "nom": "MARTIN"}, "tuiles": [], "acces_jusqu_au": None, "peut_demander": True,
        "qui_demande": "", "demandes": [], "definitif_disponible": False, "parties": []}
    _sent_twice(client, fake_rpc, "lsl", "request", f"/eleve/{HUGO}/lsl/demande/opposition",
                {"confirmation": "y", "commentaire": "Fièvre"}, {"id": 1, "etat": "en_attente"})


def test_a_bourse_application_sent_again_after_no_answer_asks_with_its_key(client, fake_rpc):
    _sent_twice(client, fake_rpc, "bourses", "submit", f"/eleve/{HUGO}/bourses/",
                {"situation": "maries_pacses", "enfants_a_charge": "2", "revenu_fiscal_reference": "11 928",
                 "annee_avis": "2024", "action": "deposer"}, {"id": 5, "numero": "BC2024-000005"}, typed="11 928")


def test_fiche_changes_sent_again_after_no_answer_ask_with_their_key(client, fake_rpc):
    tab = {"champs": [{"champ": "prenom2", "libelle": "Deuxième prénom", "valeur": "", "en_attente": None,
                       "affichage": ""}], "regime": "Externe", "peut_modifier": True, "verrou": None, "lien": None}
    fake_rpc.answers[("fiche", "fiche")] = {"eleve": tab, "responsable": None, "decisions": [], "choix": {}}
    _sent_twice(client, fake_rpc, "fiche", "submit_changes", f"/eleve/{HUGO}/fiche/eleve/modifier",
                {"prenom2": "Jean-Fièvre"}, {"enregistrees": 1, "retirees": 0})
