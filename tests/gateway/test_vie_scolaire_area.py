"""The vie scolaire area in the gateway, the services replaced: it exists only
where the service is deployed; every route that names a child answers another
family's child like one that does not exist, before the service is asked;
staff reach their own establishment's pages only; a closed or silent service
gets a French page, never a stack trace."""
import pytest

from contract.errors import Unavailable
from contract.vie_scolaire import VieScolaireClosed
from tests.gateway.viewers import UAI_A, UAI_B, child, log_in, responsable, staff
from tests.helpers import text_of

SERVICES = {"accounts": {}, "mailer": {}, "vie_scolaire": {"label": "Vie scolaire", "order": 30}}
HUGO, OTHER = 7, 99


def page_data(**overrides):
    period = {"numero": 1, "libelle": "1er trimestre", "debut": "2026-09-01", "fin": "2026-11-30", "courante": True,
              "totaux": {"demi_journees": 2, "demi_journees_non_justifiees": 2, "retards": 0,
                         "retards_non_justifies": 0},
              "evenements": {"absence": [{
                  "id": 41, "nature": "absence", "debut": "2026-11-09T08:00:00+01:00",
                  "fin": "2026-11-09T17:00:00+01:00", "nouveau": True, "detail": None, "motif": None,
                  "justification": {"etat": "non_justifiee", "libelle": "Non justifiée"}, "demi_journees": 2,
                  "peut_justifier": True}], "retard": [], "punition": [], "sanction": [], "mesure": []}}
    return {"annee_scolaire": 2026, "periodes": [period], "periode_affichee": 1, "peut_justifier": True,
            "document_max_octets": 5 * 1024 * 1024, "motifs_parents": [{"code": "MAL", "libelle": "Maladie"}],
            "version": "v1", **overrides}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("vie_scolaire", "menus")] = lambda children: [
        {"eleve_id": c["eleve_id"], "menu": {"label": "Vie scolaire", "path": "/vie-scolaire/", "order": 30}}
        for c in children]
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: {
        "uai": uai, "nom": f"Collège {uai}", "commune": "Paris", "message_accueil": ""}
    return make_app(SERVICES).test_client()


def test_the_childs_page_lays_out_the_services_answer(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("vie_scolaire", "page")] = lambda child, since, periode, known_version=None: page_data()
    page = client.get(f"/eleve/{HUGO}/vie-scolaire/")
    assert page.status_code == 200
    assert "2 demi-journées d'absence, dont 2 non justifiées" in text_of(page.text)
    assert f"/eleve/{HUGO}/vie-scolaire/absence/41/justifier?periode=1" in page.text
    [asked] = fake_rpc.called("vie_scolaire", "page")
    assert asked["child"]["eleve_id"] == HUGO and asked["child"]["viewer_role"] == "responsable"
    assert asked["periode"] == "courante"


def test_a_kept_content_is_shown_again_for_its_version_only_and_to_its_child_only(client, fake_rpc):
    lea = 8
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo"), child(lea, "Léa")))
    pages = {HUGO: page_data(), lea: page_data(version="v-lea", annee_scolaire=2026, periodes=[{
        **page_data()["periodes"][0], "totaux": {"demi_journees": 0, "demi_journees_non_justifiees": 0,
                                                "retards": 0, "retards_non_justifies": 0},
        "evenements": {"absence": [], "retard": [], "punition": [], "sanction": [], "mesure": []}}])}

    def service(child, since, periode, known_version=None):
        current = pages[child["eleve_id"]]
        return {"version": current["version"]} if known_version == current["version"] else current

    fake_rpc.answers[("vie_scolaire", "page")] = service
    first = text_of(client.get(f"/eleve/{HUGO}/vie-scolaire/").text)
    assert "2 demi-journées d'absence, dont 2 non justifiées" in first
    assert text_of(client.get(f"/eleve/{HUGO}/vie-scolaire/").text) == first
    # The other child: the service's page for them, never the content kept for Hugo.
    lea_page = text_of(client.get(f"/eleve/{lea}/vie-scolaire/").text)
    assert "Aucune demi-journée d'absence" in lea_page and "Vie scolaire de Léa MARTIN" in lea_page
    assert [(c["child"]["eleve_id"], c["known_version"]) for c in fake_rpc.called("vie_scolaire", "page")] == [
        (HUGO, None), (HUGO, "v1"), (lea, None)]

    # A new version is rendered again.
    pages[HUGO] = page_data(version="v2", peut_justifier=False)
    assert "Les absences sont justifiées par les responsables" in text_of(client.get(f"/eleve/{HUGO}/vie-scolaire/").text)


@pytest.mark.parametrize("method, url", [
    ("get", f"/eleve/{OTHER}/vie-scolaire/"),
    ("get", f"/eleve/{OTHER}/vie-scolaire/?periode=2"),
    ("get", f"/eleve/{OTHER}/vie-scolaire/absence/41/justifier"),
    ("post", f"/eleve/{OTHER}/vie-scolaire/absence/41/justifier"),
])
def test_another_familys_child_is_not_found_and_the_service_is_never_asked(client, fake_rpc, method, url):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    page = getattr(client, method)(url, data={"motif": "MAL"})
    assert page.status_code == 404 and "Page introuvable" in page.text
    assert [c for c in fake_rpc.calls if c[0] == "vie_scolaire"] == []


@pytest.mark.parametrize("method, url", [
    ("get", f"/admin/etablissement/{UAI_B}/vie-scolaire/justifications"),
    ("post", f"/admin/etablissement/{UAI_B}/vie-scolaire/justifications"),
    ("get", f"/admin/etablissement/{UAI_B}/vie-scolaire/justifications/1/document"),
    ("get", f"/admin/etablissement/{UAI_B}/vie-scolaire/alertes"),
])
def test_staff_never_reach_another_establishments_pages(client, fake_rpc, method, url):
    log_in(client, fake_rpc, staff(UAI_A))
    page = getattr(client, method)(url, data={"justification": "1", "j1-decision": "accepter"})
    assert page.status_code == 404
    assert fake_rpc.calls == [("accounts", "get_session", {"token": "jeton", "with_tiles": False})]


def test_a_family_never_reaches_the_schools_pages(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    assert client.get(f"/admin/etablissement/{UAI_A}/vie-scolaire/justifications").status_code == 404
    assert [c for c in fake_rpc.calls if c[0] == "vie_scolaire"] == []


def test_closed_or_silent_service_gets_a_french_page(client, fake_rpc):
    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    fake_rpc.answers[("vie_scolaire", "page")] = VieScolaireClosed(UAI_A)
    page = client.get(f"/eleve/{HUGO}/vie-scolaire/")
    assert page.status_code == 404 and "n'a pas ouvert la vie scolaire en ligne" in text_of(page.text)
    fake_rpc.answers[("vie_scolaire", "page")] = Unavailable("timeout")
    page = client.get(f"/eleve/{HUGO}/vie-scolaire/")
    assert page.status_code == 503 and "momentanément indisponible" in page.text


def test_alerts_name_the_students(client, fake_rpc):
    log_in(client, fake_rpc, staff(UAI_A))
    fake_rpc.answers[("vie_scolaire", "alerts")] = lambda uai, annee=2026, mois=12: {
        "annee": annee, "mois": mois, "eleves": [{"eleve_id": HUGO, "demi_journees": 5}]}
    fake_rpc.answers[("accounts", "list_eleves")] = lambda uai: [
        {"eleve_id": HUGO, "siecle_eleve_id": "101", "ine": None, "nom": "MARTIN", "prenom": "Hugo", "classe": "5A"}]
    page = client.get(f"/admin/etablissement/{UAI_A}/vie-scolaire/alertes?mois=2026-11")
    assert page.status_code == 200
    assert "Novembre 2026" in page.text and "MARTIN Hugo" in page.text and "<td>5</td>" in page.text
    bad = client.get(f"/admin/etablissement/{UAI_A}/vie-scolaire/alertes?mois=2026-13")
    assert bad.status_code == 200 and "Mois invalide" in bad.text


def test_not_deployed_means_no_vie_scolaire_page(make_app, fake_rpc):
    app = make_app({"accounts": {}, "mailer": {}})
    assert not [rule for rule in app.url_map.iter_rules() if "vie-scolaire" in rule.rule]
    assert app.test_client().get(f"/eleve/{HUGO}/vie-scolaire/").status_code == 404
