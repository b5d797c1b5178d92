"""Issue 17 over HTTP, on PostgreSQL (tests/fixtures.py E2E_BACKENDS), with the real services (accounts,
mailer, fiche, inscription) and the gateway: a guardian enrolls the child in
four steps from the collège's menu, the administrative data checked by the
fiche service's own rules over RabbitMQ, and gets the receipt (mail from the
catcher, PDF read back); the other guardian sees who decided and when; a
family that declines has the collège's head told; the bad input of the issue
is refused with a clear message and stores nothing; a student never sees the
service; the lycée lists and exports, the collège sees its students' states;
the operator sets the window. (text_of folds the non-breaking spaces: the
unit tests check those.)"""
import io
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime

import pypdf
import pytest

from common.clock import PARIS
from common.config import ROOT
from tests.e2e.accounts_support import confirmed_guardian, first_connection, press, wait_for_mail
from tests.e2e.test_accounts_staff import staff_user
from tests.fixtures import E2E_BACKENDS, Platform
from tests.helpers import WebUser, errors_of, letters_by_name, staff_web_user, text_of
from tools import demo_inscription

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "fiche": {"label": "Fiche de renseignements", "order": 50},
            "inscription": {"label": "Inscription au lycée", "order": 70}}
# Saturday evening during the campaign (Friday 25/06 14:30 to Monday 28/06 23:59).
DAY = datetime(2027, 6, 26, 19, 8, tzinfo=PARIS)
RENTREE = 2027
MEF = "20010010110"


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def menu_of(html: str) -> list[str]:
    nav = html.split('id="menu-eleve"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a class="fr-sidemenu__link"[^>]*>([^<]+)</a>', nav)


def payload(uai: str) -> dict:
    """A collège: the MARTINs' Hugo in 3e (two guardians, one account each),
    his sister Léa in 6e (not assigned), the DURANDs' Zoé in 3e."""
    return {
        "etablissement": {"uai": uai, "nom": "COLLEGE JEAN MOULIN", "type": "college", "commune": "WATTIGNIES"},
        "eleves": [
            {"siecle_eleve_id": "101", "ine": f"{uai[:7]}001X", "nom": "MARTIN", "prenom": "Hugo",
             "date_naissance": "2012-04-04", "classe": "3A"},
            {"siecle_eleve_id": "102", "ine": f"{uai[:7]}002X", "nom": "MARTIN", "prenom": "Léa",
             "date_naissance": "2015-01-02", "classe": "6B"},
            {"siecle_eleve_id": "103", "ine": f"{uai[:7]}003X", "nom": "DURAND", "prenom": "Zoé",
             "date_naissance": "2012-06-30", "classe": "3A"},
        ],
        "personnes": [
            {"siecle_personne_id": "201", "nom": "MARTIN", "prenom": "Philippe", "civilite": "M."},
            {"siecle_personne_id": "202", "nom": "MARTIN", "prenom": "Claire", "civilite": "MME"},
            {"siecle_personne_id": "203", "nom": "DURAND", "prenom": "Paul", "civilite": "M."},
        ],
        "liens": [
            {"siecle_eleve_id": "101", "siecle_personne_id": "201", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "102", "siecle_personne_id": "201", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "101", "siecle_personne_id": "202", "niveau_responsabilite": 1, "code_parente": "10"},
            {"siecle_eleve_id": "102", "siecle_personne_id": "202", "niveau_responsabilite": 1, "code_parente": "10"},
            {"siecle_eleve_id": "103", "siecle_personne_id": "203", "niveau_responsabilite": 1, "code_parente": "20"},
        ],
    }


def affectation(uai, lycee_uai, n, nom, prenom):
    return {"ine": f"{uai[:7]}00{n}X", "nom": nom, "prenom": prenom, "college_uai": uai,
            "college_nom": "COLLEGE JEAN MOULIN", "college_telephone": "03 20 81 00 00",
            "college_email": f"ce.{uai.lower()}@example.org", "lycee_uai": lycee_uai,
            "lycee_nom": "LYCÉE MARGUERITE DE FLANDRE", "lycee_adresse": "4 RUE DU MARÉCHAL LEDUC",
            "lycee_code_postal": "59147", "lycee_commune": "GONDECOURT", "lycee_academie": "LILLE", "mef": MEF,
            "formation_type": "2GT", "formation": "2nde générale et technologique",
            "sections": ["Section européenne anglais"], "tour": 1,
            "voeux": [{"rang": 1, "libelle": "LYCÉE MARGUERITE DE FLANDRE – 2nde GT", "resultat": "Affecté"},
                      {"rang": 2, "libelle": "LYCÉE GAMBETTA – 2nde GT", "resultat": "Non traité"}]}


OFFRE = {"mef": MEF, "max_options": 2, "lv1": [{"code": "AGL1", "libelle": "Anglais"}],
         "lv2": [{"code": "ESP2", "libelle": "Espagnol"}, {"code": "ALL2", "libelle": "Allemand"}],
         "options": [{"code": "LATIN", "libelle": "Latin"}], "sections": [{"code": "EURO_AGL",
                                                                          "libelle": "Section européenne anglais"}]}


@pytest.fixture(scope="module", params=E2E_BACKENDS)
def site(request, vhosts, databases, tmp_path_factory):
    """The platform at DAY, the campaign set by the académie's operator."""
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"inscription-{request.param}"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(DAY)
    rpc = p.rpc()
    rpc.call("inscription", "save_campagne", account_id=None, form={
        "annee_scolaire": RENTREE, "ouverture": "25/06/2027 14:30", "cloture": "28/06/2027 23:59"})
    rpc.close()
    yield p
    p.stop()


@pytest.fixture
def family(site):
    """A collège and a lycée of their own for each test; Hugo and Zoé
    assigned to the lycée; Claire MARTIN's address confirmed."""
    site.clock.move_to(DAY)
    uai = f"{uuid.uuid4().int % 10**7:07d}B"
    lycee = f"{uuid.uuid4().int % 10**7:07d}L"
    rpc = site.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=payload(uai))
        rpc.call("accounts", "import_siecle", payload={
            "etablissement": {"uai": lycee, "nom": "LYCÉE MARGUERITE DE FLANDRE", "type": "lycee",
                              "commune": "GONDECOURT"}, "eleves": [], "personnes": [], "liens": []})
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
        report = rpc.call("inscription", "import_affectations", annee_scolaire=RENTREE, lignes=[
            affectation(uai, lycee, 1, "MARTIN", "Hugo"), affectation(uai, lycee, 3, "DURAND", "Zoé")])
        assert report["creees"] == 2, report
        rpc.call("inscription", "import_offres", offres=[{**OFFRE, "lycee_uai": lycee}])
    finally:
        rpc.close()
    email = f"claire.{uai.lower()}@example.org"
    claire = confirmed_guardian(site, letters["Claire MARTIN"], "2012-04-04", email)
    return {"platform": site, "uai": uai, "lycee": lycee, "letters": letters, "ids": ids, "claire": claire,
            "email": email}


def path_of(family, name="Hugo MARTIN"):
    return f"/eleve/{family['ids'][name]}/inscription/"


def test_a_guardian_enrolls_in_four_steps_and_gets_the_receipt(family):
    platform, claire, path = family["platform"], family["claire"], path_of(family)
    assert "Inscription au lycée" in menu_of(claire.get(f"/eleve/{family['ids']['Hugo MARTIN']}/").text)
    assert "Inscription au lycée" not in menu_of(claire.get(f"/eleve/{family['ids']['Léa MARTIN']}/").text)
    step1 = text_of(claire.get(path).text)
    assert "L'inscription pour la rentrée 2027 – Étape 1/4" in step1
    assert "Vous devez indiquer votre choix avant le 28/06/2027 à 23 h 59." in step1
    assert "Temps restant : 2 jours et 4 heures" in step1
    assert "LYCÉE GAMBETTA" in text_of(claire.get(f"{path}rappel").text)

    press(claire, path, f"{path}decision", {"choix": "inscrire"})
    assert "Étape 2/4" in text_of(claire.get(path).text)
    refused = press(claire, path, f"{path}voeux", {"lv1": "AGL1", "lv2": "ESP2", "options": ["GREC"]})
    assert refused.status_code == 400
    assert errors_of(refused.text) == ["Cet enseignement optionnel n'est pas proposé par le lycée pour cette "
                                       "formation."]
    press(claire, path, f"{path}voeux", {"lv1": "AGL1", "lv2": "ESP2", "options": ["LATIN"], "section": "EURO_AGL"})

    # Step 3 goes through the fiche's own rules, over RabbitMQ.
    bad = press(claire, f"{path}?etape=3", f"{path}donnees", {
        "responsable_adresse_ligne1": "1 RUE DU MOULIN", "responsable_adresse_code_postal": "59580",
        "responsable_adresse_commune": "Lille", "responsable_tel_portable": "06 12 34 56 78"})
    assert bad.status_code == 400
    assert any(e.startswith("Cette commune ne correspond pas au code postal 59580") for e in errors_of(bad.text))
    assert 'value="06 12 34 56 78"' in bad.text
    press(claire, f"{path}?etape=3", f"{path}donnees", {
        "responsable_adresse_ligne1": "1 RUE DU MOULIN", "responsable_adresse_code_postal": "59580",
        "responsable_adresse_commune": "Emerchicourt", "responsable_tel_portable": "06 12 34 56 78"})
    summary = text_of(claire.get(path).text)
    assert "Étape 4/4" in summary and "Votre téléphone portable : +33612345678" in summary
    assert "Langue vivante A : Anglais" in summary and "Section : Section européenne anglais" in summary

    done = press(claire, path, f"{path}confirmation")
    assert "L'inscription est terminée" in text_of(done.text)
    mail = wait_for_mail(platform, family["email"], 2)  # after the address confirmation
    assert "Hugo MARTIN" in mail["subject"] and "accusé de réception" in mail["subject"]
    receipt = claire.get(f"{path}accuse-reception.pdf")
    assert receipt.headers["Content-Type"] == "application/pdf"
    content = pdf_text(receipt.content)
    for expected in ("Hugo MARTIN", "LYCÉE MARGUERITE DE FLANDRE", "Latin", "Claire MARTIN", "+33612345678"):
        assert expected in content, expected
    # Confirmed twice (a replayed form): refused, and still one receipt mail.
    again = press(claire, path, f"{path}confirmation")
    assert again.status_code == 409 and "L'inscription est terminée depuis le 26/06/2027" in text_of(again.text)

    philippe = confirmed_guardian(platform, family["letters"]["Philippe MARTIN"], "2012-04-04",
                                  f"philippe.{family['uai'].lower()}@example.org")
    seen = text_of(philippe.get(path).text)
    assert "L'inscription dans cet établissement a été faite par Claire MARTIN le 26/06/2027 à 19 h 08." in seen
    late = press(philippe, path, f"{path}decision", {"choix": "refuser"})
    assert late.status_code == 409 and "a été faite par Claire MARTIN" in text_of(late.text)
    assert len([m for m in platform.mailbox(to=family["email"]) if "accusé" in m["subject"]]) == 1
    assert platform.mailbox(to=f"ce.{family['uai'].lower()}@example.org") == []


def test_declining_tells_the_collèges_head_and_shows_its_contact(family):
    platform = family["platform"]
    paul = confirmed_guardian(platform, family["letters"]["Paul DURAND"], "2012-06-30",
                              f"paul.{family['uai'].lower()}@example.org")
    path = path_of(family, "Zoé DURAND")
    done = press(paul, path, f"{path}decision", {"choix": "refuser"})
    text = text_of(done.text)
    assert "Le principal du collège COLLEGE JEAN MOULIN en est informé" in text and "03 20 81 00 00" in text
    notice = wait_for_mail(platform, f"ce.{family['uai'].lower()}@example.org")
    assert "Zoé DURAND" in notice["text"] and "Paul DURAND" in notice["text"]
    assert "LYCÉE MARGUERITE DE FLANDRE" in notice["text"]


def test_bad_input_is_refused_with_a_clear_message_and_stores_nothing(family):
    platform, claire, path = family["platform"], family["claire"], path_of(family)
    # A step out of order: wishes before enrolling.
    early = press(claire, path, f"{path}voeux", {"lv1": "AGL1", "lv2": "ESP2"})
    assert early.status_code == 409 and "Indiquez d'abord à l'étape 1" in text_of(early.text)
    # A child not theirs: Zoé's page and forms answer 404.
    zoe = path_of(family, "Zoé DURAND")
    assert claire.get(zoe).status_code == 404
    assert press(claire, path, f"{zoe}decision", {"choix": "refuser"}).status_code == 404
    # After the deadline: the form loaded before, sent after.
    try:
        platform.clock.move_to(datetime(2027, 6, 28, 23, 59, 30, tzinfo=PARIS))
        claire = WebUser(platform.base_url)
        claire.login(family["letters"]["Claire MARTIN"]["identifiant"], "soleil2026")
        page = claire.get(path)
        assert "J'inscris mon enfant" in text_of(page.text)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        platform.clock.move_to(datetime(2027, 6, 29, 0, 0, 5, tzinfo=PARIS))
        late = claire.http.post(f"{platform.base_url}{path}decision", data={"csrf_token": token, "choix": "inscrire"},
                                timeout=30)
        assert late.status_code == 409
        assert "La campagne d'inscription en ligne s'est terminée le 28/06/2027 à 23 h 59" in text_of(late.text)
        after = text_of(claire.get(path).text)
        assert "J'inscris mon enfant" not in after and "s'est terminée" in after
    finally:
        platform.clock.move_to(DAY)
    page = text_of(claire.get(path).text)
    assert "Étape 1/4" in page and "J'inscris mon enfant" in page  # nothing was stored
    assert platform.mailbox(to=f"ce.{family['uai'].lower()}@example.org") == []


def test_a_student_never_sees_the_service(family):
    platform = family["platform"]
    hugo, _page = first_connection(platform, family["letters"]["Hugo MARTIN"], "2012-04-04")
    home = hugo.get(f"/eleve/{family['ids']['Hugo MARTIN']}/")
    assert home.status_code == 200 and "Inscription au lycée" not in menu_of(home.text)
    assert hugo.get(path_of(family)).status_code == 404


def test_the_lycée_lists_and_exports_and_the_collège_sees_the_states(family):
    platform, claire, path = family["platform"], family["claire"], path_of(family)
    press(claire, path, f"{path}decision", {"choix": "inscrire"})
    press(claire, path, f"{path}voeux", {"lv1": "AGL1", "lv2": "ALL2"})
    # The draft is resumed in another session, at the step reached.
    again = WebUser(platform.base_url)
    again.login(family["letters"]["Claire MARTIN"]["identifiant"], "soleil2026")
    resumed = again.get(f"{path}?etape=2")
    assert "Étape 2/4" in text_of(resumed.text)
    assert re.search(r'<option selected value="ALL2">|<option value="ALL2" selected', resumed.text)
    assert "Étape 3/4" in text_of(again.get(path).text)
    lycee_staff = staff_user(platform, family["lycee"])
    listing = lycee_staff.get(f"/admin/etablissement/{family['lycee']}/inscription/")
    text = text_of(listing.text)
    assert "Hugo MARTIN" in text and "Inscrit (en cours)" in text and "Langue vivante B : Allemand" in text
    assert "Zoé DURAND" in text and "Pas de réponse" in text
    press(lycee_staff, f"/admin/etablissement/{family['lycee']}/inscription/",
          f"/admin/etablissement/{family['lycee']}/inscription/message",
          {"message": "Rentrée le 1er septembre à 10 h."})
    assert "Rentrée le 1er septembre à 10 h." in text_of(claire.get(path).text)
    export = lycee_staff.get(f"/admin/etablissement/{family['lycee']}/inscription/export.csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    assert any(line.startswith(f"{family['uai'][:7]}001X;MARTIN;Hugo;") and "Inscrit (en cours)" in line
               for line in export.content.decode("utf-8-sig").splitlines())
    college_staff = staff_user(platform, family["uai"])
    college = text_of(college_staff.get(f"/admin/etablissement/{family['uai']}/inscription/").text)
    assert "Hugo MARTIN" in college and "Inscrit (en cours)" in college and "Export" not in college
    # Another establishment's staff: nothing.
    assert college_staff.get(f"/admin/etablissement/{family['lycee']}/inscription/").status_code == 404


def test_the_operator_sets_the_window_and_the_cli_imports_the_results(family, tmp_path):
    platform = family["platform"]
    operator = staff_web_user(platform, {"role": "operator", "nom": "RECTORAT", "prenom": "Rita"}, "academie2027")
    bad = operator.post_form("/admin/inscription/", {"annee_scolaire": "2027", "ouverture": "25/06/2027 14:30",
                                                     "cloture": "24/06/2027 23:59"})
    assert bad.status_code == 400 and errors_of(bad.text) == ["La clôture doit suivre l'ouverture."]
    ok = operator.post_form("/admin/inscription/", {"annee_scolaire": "2027", "ouverture": "25/06/2027 14:30",
                                                    "cloture": "28/06/2027 23:59"})
    assert "Campagne enregistrée : du 25/06/2027 à 14 h 30 au 28/06/2027 à 23 h 59." in text_of(ok.text)
    assert family["claire"].get("/admin/inscription/").status_code == 404

    results = tmp_path / "affectations.csv"
    row = affectation(family["uai"], family["lycee"], 1, "MARTIN", "Hugo")
    header = ["ine", "nom", "prenom", "college_uai", "college_nom", "lycee_uai", "lycee_nom", "lycee_academie", "mef",
              "formation_type", "formation", "sections", "tour", "voeux"]
    values = {**row, "sections": "|".join(row["sections"]),
              "voeux": "|".join(f"{v['rang']}:{v['libelle']}:{v['resultat']}" for v in row["voeux"])}
    results.write_text(";".join(header) + "\n" + ";".join(str(values[h]) for h in header) + "\n"
                       + ";".join(str({**values, "ine": "9999999999Z"}[h]) for h in header) + "\n", encoding="utf-8")
    env = {**os.environ, "AMQP_URI": platform.amqp_uri, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "tools.import_inscription", "affectations", "--annee", "2027",
                          str(results)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "Affectations 2027 : 0 créée(s), 1 mise(s) à jour, 1 ignorée(s)."


def test_the_demo_data_opens_the_campaign_for_the_collèges_3e(family):
    """tools/demo_inscription.py through the same entry points: the window
    around the demo clock's today, the 3e students assigned with the
    lycée's offer and message."""
    platform = family["platform"]
    rpc = platform.rpc()
    try:
        demo_inscription.fill(rpc, platform.clock, [(family["uai"], "COLLEGE JEAN MOULIN", "WATTIGNIES")],
                              (family["lycee"], "LYCÉE MARGUERITE DE FLANDRE", "59147", "GONDECOURT"))
        campagne = rpc.call("inscription", "list_campagnes")["campagnes"][0]
        assert campagne["ouverte"] and campagne["rentree_texte"] == "2027-2028"
        assert campagne["cloture_texte"] == "02/07/2027 à 23\u00a0h\u00a059"
        page = text_of(family["claire"].get(path_of(family)).text)
        assert "Nous attendons votre enfant le 1er septembre" in page and "J'inscris mon enfant" in page
    finally:
        # The module's window again, whatever runs next.
        rpc.call("inscription", "save_campagne", account_id=None, form={
            "annee_scolaire": RENTREE, "ouverture": "25/06/2027 14:30", "cloture": "28/06/2027 23:59"})
        rpc.close()
