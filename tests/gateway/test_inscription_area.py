"""The inscription area in the gateway, the services replaced: it lays out
step 1 as the guide's screen; another family's child is not found before the
service is asked; a refusal of the service (a step out of order, the window
closed, a field the fiche's rules refuse) comes back on the same step with
the reason and what was typed, never a stack trace; an outage keeps the
input; staff reach their own establishment only, the campaign page is the
operators'."""
import pytest

from contract.errors import NotFound, Unavailable, ValidationError
from contract.inscription import EtapeRefusee, InscriptionClosed
from tests.gateway.viewers import UAI_A, UAI_B, child, log_in, responsable, staff
from tests.helpers import text_of

SERVICES = {"accounts": {}, "mailer": {}, "inscription": {"label": "Inscription au lycée", "order": 70}}
HUGO, OTHER = 7, 99
NB = "\u00a0"


def page_data(**overrides):
    campagne = {"id": 1, "annee_scolaire": 2027, "rentree_texte": "2027-2028", "ouverture_texte": "25/06/2027 à 14 h 30",
                "cloture_texte": f"28/06/2027 à 23{NB}h{NB}59", "cloture_jour": "28/06/2027",
                "cloture_heure": f"23{NB}h{NB}59", "ouverte": True, "pas_encore": False, "close": False,
                "temps_restant": "2 jours et 4 heures"}
    return {"eligible": True, "refus": None, "campagne": campagne, "peut_decider": True, "peut_continuer": False,
            "etat": "sans_reponse", "etat_texte": "Pas de réponse", "etape": 1, "decision": None, "complete_le": None,
            "enregistre_le": None, "ferme": None,
            "lycee": {"uai": "0595678Y", "nom": "LYCÉE MARGUERITE DE FLANDRE", "adresse": "4 RUE DU MARÉCHAL LEDUC",
                      "ville": "59147 GONDECOURT", "message": "Bienvenue au lycée Marguerite de Flandre !"},
            "formation": "2nde générale et technologique", "formation_type": "2nde générale et technologique",
            "sections_affectation": ["Section européenne anglais"],
            "voeux_affectation": [{"rang": 1, "libelle": "LYCÉE MARGUERITE DE FLANDRE 2nde GT", "resultat": "Affecté"}],
            "college": {"nom": "COLLÈGE JEAN MOULIN", "telephone": "03 20 81 00 00"},
            "offre": {"lv1": [{"code": "AGL1", "libelle": "Anglais"}], "lv2": [{"code": "ESP2", "libelle": "Espagnol"}],
                      "options": [{"code": "LATIN", "libelle": "Latin"}], "sections": [], "max_options": 2},
            "voeux": None, "voeux_texte": [], "donnees": {"eleve": {}, "responsable": {}}, "donnees_texte": [],
            "champs": {}, "mention_lycee": f"L'inscription en ligne n'est pas obligatoire{NB}: vous pouvez aussi "
                                           "inscrire votre enfant directement au lycée.", **overrides}


ENROLLED = {"etat": "inscrit", "etape": 3, "peut_decider": False, "peut_continuer": True,
            "decision": {"par": "Philippe MARTIN", "le": "26/06/2027", "moi": True, "texte": "", "inscrit": True},
            "voeux": {"lv1": "AGL1", "lv2": "ESP2", "options": [], "section": None}}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("inscription", "menus")] = lambda children: [
        {"eleve_id": c["eleve_id"], "menu": {"label": "Inscription au lycée", "path": "/inscription/", "order": 70}}
        for c in children]
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: {
        "uai": uai, "nom": f"Lycée {uai}", "commune": "Gondecourt", "message_accueil": "", "type": "lycee"}
    return make_app(SERVICES).test_client()


def test_step_1_is_the_guides_screen(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("inscription", "page")] = lambda child: page_data()
    page = client.get(f"/eleve/{HUGO}/inscription/")
    assert page.status_code == 200
    text = text_of(page.text)
    for expected in ("L'inscription pour la rentrée 2027 – Étape 1/4",
                     "Votre enfant a été affecté dans l'établissement suivant : LYCÉE MARGUERITE DE FLANDRE",
                     "en 2nde générale et technologique, Section européenne anglais",
                     "Consulter le rappel des vœux et les résultats d'affectation",
                     "Vous devez indiquer votre choix avant le 28/06/2027 à 23 h 59.",
                     "J'inscris mon enfant dans cet établissement", "Je n'inscris pas mon enfant dans cet établissement",
                     "le principal du collège de votre enfant en sera informé : veuillez prendre contact avec lui : "
                     "03 20 81 00 00", "Message du lycée d'affectation", "Bienvenue au lycée Marguerite de Flandre !",
                     "Temps restant : 2 jours et 4 heures", "vous pouvez aussi inscrire votre enfant directement au lycée"):
        assert expected in text, expected
    assert f"suivant{NB}:" in page.text  # French typography in the page itself
    [asked] = fake_rpc.called("inscription", "page")
    assert asked["child"]["eleve_id"] == HUGO and asked["child"]["viewer_role"] == "responsable"


@pytest.mark.parametrize("method, url", [
    ("get", f"/eleve/{OTHER}/inscription/"), ("get", f"/eleve/{OTHER}/inscription/rappel"),
    ("post", f"/eleve/{OTHER}/inscription/decision"), ("post", f"/eleve/{OTHER}/inscription/voeux"),
    ("post", f"/eleve/{OTHER}/inscription/donnees"), ("post", f"/eleve/{OTHER}/inscription/confirmation"),
    ("get", f"/eleve/{OTHER}/inscription/accuse-reception.pdf"),
])
def test_another_familys_child_is_not_found_and_the_service_is_never_asked(client, fake_rpc, method, url):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    page = getattr(client, method)(url, data={"choix": "inscrire"})
    assert page.status_code == 404 and "Page introuvable" in page.text
    assert [c for c in fake_rpc.calls if c[0] == "inscription"] == []


def test_a_student_gets_not_found(client, fake_rpc):
    eleve = {**responsable(child(HUGO, "Hugo")), "role": "eleve"}
    log_in(client, fake_rpc, eleve)
    fake_rpc.answers[("inscription", "page")] = NotFound("L'inscription en ligne est réservée aux responsables légaux.")
    assert client.get(f"/eleve/{HUGO}/inscription/").status_code == 404


def test_a_finished_enrollment_shows_the_last_step_and_the_receipt(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("inscription", "page")] = lambda child: page_data(**{
        **ENROLLED, "etat": "complet", "etape": 4, "peut_continuer": False, "complete_le": "26/06/2027 à 19 h 08"})
    text = text_of(client.get(f"/eleve/{HUGO}/inscription/").text)
    assert "Étape 4/4" in text and "L'inscription est terminée depuis le 26/06/2027" in text
    assert "Télécharger l'accusé de réception (PDF)" in text and "Terminer l'inscription" not in text


def test_a_step_out_of_order_says_why_on_the_same_page(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("inscription", "page")] = lambda child: page_data()
    fake_rpc.answers[("inscription", "save_voeux")] = EtapeRefusee(
        "Indiquez d'abord à l'étape 1 que vous inscrivez votre enfant dans cet établissement.")
    page = client.post(f"/eleve/{HUGO}/inscription/voeux", data={"lv1": "AGL1"})
    assert page.status_code == 409
    assert "Indiquez d'abord à l'étape 1" in text_of(page.text)


def test_after_the_deadline_the_decision_is_refused_with_the_reason(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("inscription", "page")] = lambda child: page_data(peut_decider=False)
    fake_rpc.answers[("inscription", "decide")] = InscriptionClosed(
        f"La campagne d'inscription en ligne s'est terminée le 28/06/2027 à 23{NB}h{NB}59{NB}: rien ne peut plus "
        "être envoyé en ligne.")
    page = client.post(f"/eleve/{HUGO}/inscription/decision", data={"choix": "inscrire"})
    assert page.status_code == 409 and "s'est terminée le 28/06/2027" in text_of(page.text)


def test_the_fiches_refusals_go_beside_their_fields_with_what_was_typed(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("inscription", "page")] = lambda child: page_data(**ENROLLED)
    fake_rpc.answers[("inscription", "save_donnees")] = ValidationError({
        "responsable-adresse.code_postal": ["Code postal inconnu."], "eleve-email": ["Adresse électronique invalide."]})
    page = client.post(f"/eleve/{HUGO}/inscription/donnees", data={
        "eleve_email": "pas-une-adresse", "responsable_adresse_ligne1": "1 RUE DU MOULIN",
        "responsable_adresse_code_postal": "00000", "responsable_adresse_commune": "Emerchicourt"})
    assert page.status_code == 400
    assert 'id="responsable_adresse_code_postal-erreurs"' in page.text and "Code postal inconnu." in page.text
    assert 'id="eleve_email-erreurs"' in page.text and 'value="pas-une-adresse"' in page.text
    [sent] = fake_rpc.called("inscription", "save_donnees")
    assert sent["eleve"] == {"email": "pas-une-adresse"}
    assert sent["responsable"]["adresse"]["code_postal"] == "00000"


def test_an_outage_keeps_what_was_typed(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("inscription", "save_donnees")] = Unavailable("inscription down")
    page = client.post(f"/eleve/{HUGO}/inscription/donnees", data={"responsable_tel_portable": "06 12 34 56 78"})
    assert page.status_code == 503
    assert "rien n'a été enregistré" in text_of(page.text) and 'value="06 12 34 56 78"' in page.text


@pytest.mark.parametrize("url", [f"/admin/etablissement/{UAI_B}/inscription/",
                                 f"/admin/etablissement/{UAI_B}/inscription/export.csv", "/admin/inscription/"])
def test_staff_reach_their_own_establishment_only_and_never_the_campaign(client, fake_rpc, url):
    log_in(client, fake_rpc, staff(UAI_A))
    assert client.get(url).status_code == 404
    assert [c for c in fake_rpc.calls if c[0] == "inscription"] == []


def test_the_lycée_sees_states_and_exports(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))
    fake_rpc.answers[("inscription", "list_etablissement")] = lambda uai: {
        "role": "lycee", "total": 1, "message": None, "campagne": None,
        "compteurs": [{"etat": "complet", "texte": "Inscription terminée", "nombre": 1}],
        "eleves": [{"prenom": "Hugo", "nom": "MARTIN", "college": "COLLÈGE JEAN MOULIN", "lycee": "L",
                    "formation": "2nde GT", "etat_texte": "Inscription terminée", "decision_par": "Claire MARTIN",
                    "decision_le": "26/06/2027", "voeux": ["Langue vivante A : Anglais"], "donnees": []}]}
    page = client.get(f"/admin/etablissement/{UAI_A}/inscription/")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Hugo MARTIN" in text and "Inscription terminée" in text and "Langue vivante A : Anglais" in text
    fake_rpc.answers[("inscription", "export_csv")] = lambda uai: {"csv": "\ufeffINE;Nom\r\n"}
    export = client.get(f"/admin/etablissement/{UAI_A}/inscription/export.csv")
    assert export.headers["Content-Type"].startswith("text/csv") and export.text.startswith("\ufeffINE;Nom")
