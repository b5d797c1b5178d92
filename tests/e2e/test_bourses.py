"""Issue 18 over HTTP, on PostgreSQL (tests/fixtures.py E2E_BACKENDS): a guardian keeps a draft, files the
application, sees the estimate and gets the acknowledgement (page, mail from
the catcher, PDF); bad input and a second application are refused beside the
field and store nothing; another family's child answers 404; the school
reviews and the family reads each step's mail and the decision letter; after
the deadline, the page says the campaign closed and what to do. (text_of
folds the non-breaking spaces: the unit tests check those.)"""
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
from tests.e2e.accounts_support import confirmed_guardian, wait_for_mail
from tests.e2e.test_accounts_staff import staff_user
from tests.fixtures import E2E_BACKENDS, Platform
from tests.helpers import WebUser, errors_of, family_payload, letters_by_name, staff_web_user, text_of
from tools.demo_bourses import BAREME_FILE
from tools.import_bourses import read_bareme

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "bourses": {"label": "Bourses", "order": 60}}
# A Tuesday morning during the campaign: mails to families go out at once.
DAY = datetime(2027, 9, 14, 10, 0, tzinfo=PARIS)
ANNEE = 2027


def bourses_path(family, name):
    return f"/eleve/{family['ids'][name]}/bourses/"


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def menu_of(html: str) -> list[str]:
    nav = html.split('id="menu-eleve"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a class="fr-sidemenu__link"[^>]*>([^<]+)</a>', nav)


def _inputs(html: str, name: str) -> list[str]:
    return [tag for tag in re.findall(r"<input[^>]*>", html) if f'name="{name}"' in tag]


def input_value(html: str, name: str) -> str:
    [tag] = _inputs(html, name)
    found = re.search(r'value="([^"]*)"', tag)
    return found.group(1) if found else ""


def checked(html: str, name: str) -> str | None:
    return next((re.search(r'value="([^"]*)"', t).group(1) for t in _inputs(html, name) if " checked" in t), None)


@pytest.fixture(scope="module", params=E2E_BACKENDS)
def site(request, vhosts, databases, tmp_path_factory):
    """The platform, at DAY, with the year's barème (the data file's figures)
    and the collège campaign set by the académie's operator."""
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"bourses-{request.param}"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(DAY)
    rpc = p.rpc()
    for (_year, niveau), echelons in read_bareme(BAREME_FILE).items():
        rpc.call("bourses", "load_bareme", annee_scolaire=ANNEE, niveau=niveau, echelons=echelons)
    rpc.call("bourses", "save_campagne", account_id=None, form={
        "annee_scolaire": ANNEE, "niveau": "college", "ouverture": "01/09/2027", "cloture": "14/10/2027"})
    rpc.close()
    yield p
    p.stop()


@pytest.fixture
def family(site):
    """A collège of its own for each test (the MARTINs and the DURANDs), with
    Claire MARTIN's address confirmed. Time first: the letters' provisional
    passwords are valid 3 months from their issue."""
    site.clock.move_to(DAY)
    uai = f"{uuid.uuid4().int % 10**7:07d}B"
    rpc = site.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
    finally:
        rpc.close()
    email = f"claire.{uai.lower()}@example.org"
    claire = confirmed_guardian(site, letters["Claire MARTIN"], "2012-04-04", email)
    return {"platform": site, "uai": uai, "letters": letters, "ids": ids, "claire": claire, "email": email}


FILED = {"action": "deposer", "situation": "maries_pacses", "enfants_a_charge": "2",
         "revenu_fiscal_reference": "11 928", "annee_avis": "2027"}


def file_for_hugo(family):
    return family["claire"].post_form(bourses_path(family, "Hugo MARTIN"), FILED)


def test_a_guardian_keeps_a_draft_then_files_and_gets_the_estimate_mail_and_pdf(family):
    claire, path = family["claire"], bourses_path(family, "Hugo MARTIN")
    home = claire.get(f"/eleve/{family['ids']['Hugo MARTIN']}/")
    assert "Bourses" in menu_of(home.text)
    page = claire.get(path)
    assert page.status_code == 200
    assert "La campagne 2027-2028 est ouverte du 01/09/2027 au 14/10/2027 inclus." in text_of(page.text)

    saved = claire.post_form(path, {"action": "brouillon", "situation": "maries_pacses", "enfants_a_charge": "2"})
    assert "Votre brouillon est enregistré" in text_of(saved.text)
    resumed = claire.get(path).text
    assert "Votre brouillon du 14/09/2027 est repris ci-dessous." in text_of(resumed)
    assert input_value(resumed, "enfants_a_charge") == "2" and checked(resumed, "situation") == "maries_pacses"
    assert input_value(resumed, "revenu_fiscal_reference") == ""

    filed = file_for_hugo(family)
    text = text_of(filed.text)
    numero = re.search(r"BC2027-\d{6}", text).group(0)
    assert "Demande déposée" in text
    assert "Estimation d'après le barème : Échelon 2, soit 315 € par an" in text

    mail = wait_for_mail(family["platform"], family["email"], 2)  # after the address confirmation
    assert numero in mail["subject"] and "accusé de réception" in mail["subject"]
    assert "Échelon 2, soit 315" in mail["text"] and "Hugo MARTIN" in mail["text"]

    pdf = claire.get(f"{path}demande/{filed.url.rstrip('/').split('/')[-1]}/accuse.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    content = pdf_text(pdf.content)
    assert numero in content and "Hugo MARTIN, classe 5A" in content and "11 928 €" in content


@pytest.mark.parametrize("field, value, message", [
    ("revenu_fiscal_reference", "-500", "Le revenu fiscal de référence ne peut pas être négatif."),
    ("revenu_fiscal_reference", "99999999999", "Montant invraisemblable : vérifiez le revenu fiscal de "
                                               "référence de votre avis d'impôt."),
    ("enfants_a_charge", "0", "Comptez au moins l'enfant pour qui vous demandez la bourse : 1 enfant à "
                              "charge au minimum."),
])
def test_bad_input_is_refused_beside_its_field_keeping_what_was_typed(family, field, value, message):
    claire, path = family["claire"], bourses_path(family, "Léa MARTIN")
    form = {"action": "deposer", "situation": "personne_seule", "enfants_a_charge": "3",
            "revenu_fiscal_reference": "9 000", "annee_avis": "2027", field: value}
    page = claire.post_form(path, form)
    assert page.status_code == 400
    assert errors_of(page.text) == [message]
    assert input_value(page.text, field) == value
    assert "Vos demandes" not in text_of(claire.get(path).text)


def test_the_other_guardian_cannot_file_twice_and_another_family_gets_404(family):
    hugo, zoe = family["ids"]["Hugo MARTIN"], family["ids"]["Zoé DURAND"]
    demande_id = file_for_hugo(family).url.rstrip("/").split("/")[-1]
    philippe = confirmed_guardian(family["platform"], family["letters"]["Philippe MARTIN"], "2012-04-04",
                                  f"philippe.{family['uai'].lower()}@example.org")
    page = philippe.get(f"/eleve/{hugo}/bourses/")
    assert "un autre responsable l'a déposée" in text_of(page.text)
    assert "Déposer la demande" not in text_of(page.text)
    refused = philippe.post_form(f"/eleve/{hugo}/bourses/", {
        "action": "deposer", "situation": "personne_seule", "enfants_a_charge": "1",
        "revenu_fiscal_reference": "1000", "annee_avis": "2027"})
    assert refused.status_code == 400 and "une seule demande par élève" in text_of(refused.text)

    paul = confirmed_guardian(family["platform"], family["letters"]["Paul DURAND"], "2013-06-30",
                              f"paul.{family['uai'].lower()}@example.org")
    for path in (f"/eleve/{hugo}/bourses/", f"/eleve/{hugo}/bourses/demande/{demande_id}/accuse.pdf",
                 # His own child's path with the MARTINs' application: nothing either.
                 f"/eleve/{zoe}/bourses/demande/{demande_id}/accuse.pdf", f"/eleve/{zoe}/bourses/demande/{demande_id}"):
        page = paul.get(path)
        assert page.status_code == 404 and "Hugo" not in page.text, path
    stolen = paul.post_form(f"/eleve/{hugo}/bourses/", {"action": "deposer"})
    assert stolen.status_code == 404


def test_the_school_reviews_and_the_family_reads_each_step_and_the_decision(family):
    platform, uai, claire = family["platform"], family["uai"], family["claire"]
    hugo_path = bourses_path(family, "Hugo MARTIN")
    file_for_hugo(family)
    staff = staff_user(platform, uai)
    listing = staff.get(f"/admin/etablissement/{uai}/bourses/")
    assert listing.status_code == 200 and "Hugo MARTIN" in text_of(listing.text)
    demande_path = re.search(rf'href="(/admin/etablissement/{uai}/bourses/\d+)"', listing.text).group(1)
    before = len(platform.mailbox(to=family["email"]))

    step = staff.post_form(demande_path, {"action": "accorder", "echelon": "2"})
    assert step.status_code == 400 and "Le dossier doit d'abord être déclaré complet." in text_of(step.text)
    staff.post_form(demande_path, {"action": "piece_manquante", "piece": "Avis d'impôt 2027"})
    assert "Pièce à fournir à l'établissement : Avis d'impôt 2027" in text_of(claire.get(hugo_path).text)
    staff.post_form(demande_path, {"action": "complete"})
    bad = staff.post_form(demande_path, {"action": "accorder", "echelon": "7"})
    assert bad.status_code == 400 and errors_of(bad.text) == ["Échelon de 1 à 3."]
    done = staff.post_form(demande_path, {"action": "accorder", "echelon": "3"})
    assert "La famille en est informée par courriel" in text_of(done.text)

    steps = [wait_for_mail(platform, family["email"], before + n) for n in (1, 2, 3)]
    assert [m["subject"].rsplit(": ", 1)[-1].strip() for m in steps] == [
        "pièce manquante", "dossier complet, en cours d'examen", "bourse accordée"]
    assert "Avis d'impôt 2027" in steps[0]["text"]
    assert "Échelon 3, soit 495" in steps[2]["text"]

    page = text_of(claire.get(hugo_path).text)
    assert "Bourse accordée le 14/09/2027 : échelon 3, 495 € par an." in page
    demande_id = demande_path.rsplit("/", 1)[-1]
    letter = pdf_text(claire.get(f"{hugo_path}demande/{demande_id}/notification.pdf").content)
    assert "La bourse de collège est accordée." in letter and "Montant annuel 495 €" in letter
    # The home page's tile: one application, counted once however many steps.
    home = text_of(claire.get(f"/eleve/{family['ids']['Hugo MARTIN']}/").text)
    assert "1 nouvelle étape de la demande de bourse" in home


def test_after_the_deadline_the_page_says_it_closed_and_nothing_is_filed(family):
    platform, path = family["platform"], bourses_path(family, "Léa MARTIN")
    try:
        platform.clock.move_to(datetime(2027, 10, 14, 23, 58, tzinfo=PARIS))
        claire = WebUser(platform.base_url)
        claire.login(family["letters"]["Claire MARTIN"]["identifiant"], "soleil2026")
        form = claire.get(path)
        assert "Déposer la demande" in text_of(form.text)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
        platform.clock.move_to(datetime(2027, 10, 15, 0, 0, 30, tzinfo=PARIS))
        # The form was open before midnight; sent after, it is refused.
        late = claire.http.post(platform.base_url + path, timeout=30, data={
            "csrf_token": token, "action": "deposer", "situation": "personne_seule", "enfants_a_charge": "3",
            "revenu_fiscal_reference": "9 000", "annee_avis": "2027"})
        assert late.status_code == 409
        text = text_of(late.text)
        assert "est close le 14/10/2027 : contactez le secrétariat de l'établissement." in text
        page = text_of(claire.get(path).text)
        assert "La campagne est close" in page and "Contactez le secrétariat de l'établissement" in page
        assert "Vos demandes" not in page and "Déposer la demande" not in page
    finally:
        platform.clock.move_to(DAY)


def test_the_operator_sets_a_campaign_and_a_bad_date_is_refused_beside_it(family):
    platform = family["platform"]
    operator = staff_web_user(platform, {"role": "operator", "nom": "RECTORAT", "prenom": "Rita"}, "academie2027")
    school = operator.get(f"/admin/etablissement/{family['uai']}/")
    assert "Bourses : demandes des familles" in text_of(school.text)
    assert "Campagnes et barèmes de l'académie" in text_of(
        operator.get(f"/admin/etablissement/{family['uai']}/bourses/").text)
    bad = operator.post_form("/admin/bourses/", {"niveau": "lycee", "annee_scolaire": "2027",
                                                 "ouverture": "31/02/2027", "cloture": "15/10/2027"})
    assert bad.status_code == 400 and errors_of(bad.text) == ["Date attendue au format jj/mm/aaaa."]
    ok = operator.post_form("/admin/bourses/", {"niveau": "lycee", "annee_scolaire": "2027",
                                                "ouverture": "13/09/2027", "cloture": "15/10/2027"})
    assert "Campagne enregistrée : du 13/09/2027 au 15/10/2027." in text_of(ok.text)
    # A family cannot reach the operator's page.
    assert family["claire"].get("/admin/bourses/").status_code == 404


def _cli(site, *args):
    env = {**os.environ, "AMQP_URI": site.amqp_uri, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tools.import_bourses", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)


def test_the_barème_file_is_loaded_with_the_cli_and_a_wrong_one_changes_nothing(site, tmp_path):
    lines = BAREME_FILE.read_text(encoding="utf-8").splitlines()
    good = tmp_path / "bareme-2030.csv"
    good.write_text("\n".join([lines[0]] + [line.replace("2024;", "2030;", 1) for line in lines[1:]]) + "\n",
                    encoding="utf-8")
    result = _cli(site, "bareme", str(good))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Barème 2030-2031 (college) : 3 échelons chargés.",
                                          "Barème 2030-2031 (lycee) : 6 échelons chargés."]
    rpc = site.rpc()
    try:
        loaded = rpc.call("bourses", "get_bareme", annee_scolaire=2030, niveau="lycee")
        assert loaded["echelons"][5]["plafonds"] == [2814, 3363, 4457, 5549, 7190, 8829, 10472, 12111]

        wrong = tmp_path / "bareme-faux.csv"
        wrong.write_text(good.read_text(encoding="utf-8").replace(";3;495;3 419;", ";3;495;30 419;"),
                         encoding="utf-8")
        refused = _cli(site, "bareme", str(wrong))
        assert refused.returncode == 1
        assert "Barème 2030-2031 (college) refusé" in refused.stderr
        assert "Échelon 3\u00a0: le plafond pour 2 enfants est inférieur à celui pour 1 enfant." in refused.stderr
        typo = tmp_path / "bareme-lettre.csv"
        typo.write_text(good.read_text(encoding="utf-8").replace("17 927", "17 92O"), encoding="utf-8")
        unreadable = _cli(site, "bareme", str(typo))
        assert unreadable.returncode == 1
        assert "ligne 2, colonne « plafond_1 » : nombre entier d'euros attendu (lu : « 17 92O »)" in unreadable.stderr
        assert rpc.call("bourses", "get_bareme", annee_scolaire=2030, niveau="college")["echelons"][2]["plafonds"][0] \
            == 3419
    finally:
        rpc.close()


def test_a_stopped_service_keeps_what_the_family_typed_and_the_rest_works(vhosts, databases, tmp_path_factory):
    """Deployed but not running: the page says so (503), a form sent brings back
    what was typed with a French message, the home page works."""
    down = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("bourses-down"), SERVICES)
    down.start(["accounts", "mailer"])
    try:
        rpc = down.rpc()
        uai = f"{uuid.uuid4().int % 10**7:07d}D"
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        hugo = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}[
            "Hugo MARTIN"]
        rpc.close()
        claire = confirmed_guardian(down, letters["Claire MARTIN"], "2012-04-04", f"claire.{uai.lower()}@example.org")
        page = claire.get(f"/eleve/{hugo}/bourses/")
        assert page.status_code == 503 and "momentanément indisponible" in text_of(page.text)
        assert claire.get(f"/eleve/{hugo}/").status_code == 200
        typed = {"action": "deposer", "situation": "vie_maritale", "enfants_a_charge": "4",
                 "revenu_fiscal_reference": "12 345", "revenu_fiscal_reference_2": "6 789", "annee_avis": "2026"}
        sent = claire.post_form(f"/eleve/{hugo}/bourses/", typed)
        assert sent.status_code == 503
        assert "rien n'a été enregistré" in text_of(sent.text)
        for name in ("enfants_a_charge", "revenu_fiscal_reference", "revenu_fiscal_reference_2", "annee_avis"):
            assert input_value(sent.text, name) == typed[name], name
        assert checked(sent.text, "situation") == "vie_maritale"
    finally:
        down.stop()
