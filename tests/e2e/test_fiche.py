"""Issue 14 over HTTP, as families and the school's staff do it: the two tabs,
each guardian only their own data, an edit pending until the school decides,
one guardian at a time, the school's decision mailed and shown to both
guardians, the régime refused through a forged POST, hostile input refused
beside its field with the typed values kept, another family's child a 404,
the export. On PostgreSQL (tests/fixtures.py E2E_BACKENDS)."""
import re
from datetime import datetime
from html import unescape

import pytest

from common.clock import PARIS
from tests.e2e.accounts_support import confirmed_guardian, first_connection
from tests.e2e.fiche_support import SERVICES, new_establishment
from tests.e2e.test_fiche_service import mail_about
from tests.fixtures import E2E_BACKENDS, Platform
from tests.helpers import CSRF, WebUser, text_of

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)


@pytest.fixture(scope="module", params=E2E_BACKENDS)
def platform(request, vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"fiche-http-{request.param}"), SERVICES)
    p.start(SERVICES)
    p.clock.move_to(MONDAY)
    yield p
    p.stop()


@pytest.fixture(scope="module")
def school(platform, tmp_path_factory):
    etab = new_establishment(platform, tmp_path_factory.mktemp("siecle"))
    letters = etab["letters"]
    rpc = platform.rpc()
    try:
        staff = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": etab["uai"], "fonction": "secretariat", "nom": "LEROY",
            "prenom": "Anne"})
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves",
                                                                           uai=etab["uai"])}
    finally:
        rpc.close()
    users = {
        "philippe": confirmed_guardian(platform, letters["Philippe MARTIN"], "2013-04-04", "philippe@example.org"),
        "claire": confirmed_guardian(platform, letters["Claire MARTIN"], "2013-04-04", "claire@example.org"),
        "paul": confirmed_guardian(platform, letters["Paul DURAND"], "2013-06-30", "paul@example.org"),
    }
    lucas, _page = first_connection(platform, letters["Lucas LEFEBVRE"], "2007-03-12", email=None)
    users["lucas"] = lucas
    staff_user, _page = first_connection(platform, staff, None)
    users["staff"] = staff_user
    return {**etab, "ids": ids, "users": users}


def champ(html: str, name: str) -> str:
    """The text of one field of a tab: its value and its pending value."""
    found = re.search(rf'<div class="fiche-champ" data-champ="{name}">\s*<dt[^>]*>.*?</dt>(.*?)</dd>', html, re.S)
    assert found, f"no field {name}"
    return text_of(found.group(1))


def post(user: WebUser, path: str, data: dict):
    """Submit the form of the page at `path` with its CSRF token, and these fields."""
    page = user.get(path)
    token = CSRF.search(page.text)
    fields = {**data, "csrf_token": unescape(token.group(1)) if token else ""}
    user.last = user.http.post(user.base_url + path, data=fields, timeout=30)
    return user.last


def as_filled(user: WebUser, path: str, **changes) -> dict:
    """The edit form at `path` as the page fills it (what a browser would
    send), with these changes."""
    html = user.get(path).text
    form = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        if not name or name.group(1) == "csrf_token":
            continue
        if kind in ("radio", "checkbox") and " checked" not in tag:
            continue
        form[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        form[name] = chosen.group(1) if chosen else ""
    form.update(changes)
    return form


def test_the_family_edits_the_school_decides_and_both_guardians_see_it(platform, school):
    users, hugo, uai = school["users"], school["ids"]["Hugo MARTIN"], school["uai"]
    philippe, claire, staff = users["philippe"], users["claire"], users["staff"]
    base = f"/eleve/{hugo}/fiche"

    page = philippe.get(base + "/")
    assert page.status_code == 200
    assert champ(page.text, "regime") == "DEMI-PENSIONNAIRE AU TICKET Le régime n'est pas modifiable en ligne."
    assert champ(page.text, "naissance") == "LE BLANC-MESNIL (93)"
    mine = philippe.get(base + "/responsable").text
    assert champ(mine, "lien") == "PÈRE" and champ(mine, "adresse") == "1 RUE DU MOULIN 59580 EMERCHICOURT"
    assert "Claire" not in text_of(mine) and "FOCH" not in mine

    done = post(philippe, base + "/eleve/modifier", as_filled(philippe, base + "/eleve/modifier",
                                                             tel_portable="06 98 76 54 32"))
    assert done.status_code == 200 and "transmises à l'établissement" in text_of(done.text)
    assert champ(done.text, "tel_portable").startswith("Non renseigné En attente 06 98 76 54 32")

    # Claire is told, and cannot send student changes until the school decides.
    seen = claire.get(base + "/").text
    assert "autre responsable sont en attente" in text_of(seen) and 'id="modifier"' not in seen
    refused = post(claire, base + "/eleve/modifier", as_filled(claire, base + "/eleve/modifier", prenom2="Jean"))
    assert refused.status_code == 409 and 'value="Jean"' in refused.text
    assert "autre responsable" in text_of(refused.text)

    listing = staff.get(f"/admin/etablissement/{uai}/fiche").text
    dossier_path = re.search(rf'href="(/admin/etablissement/{uai}/fiche/\d+)"', listing).group(1)
    dossier = staff.get(dossier_path).text
    [demande_id] = re.findall(r'data-demande="(\d+)"', dossier)
    assert "06 98 76 54 32" in text_of(dossier) and "Téléphone portable" in text_of(dossier)
    decided = post(staff, dossier_path, {f"decision-{demande_id}": "accepter", f"motif-{demande_id}": ""})
    assert "1 modification acceptée" in text_of(decided.text)

    mail = mail_about(platform, "philippe@example.org", "modifications acceptées")
    assert "Téléphone portable\u00a0: 06 98 76 54 32" in mail["text"]
    for guardian in (philippe, claire):
        assert champ(guardian.get(base + "/").text, "tel_portable") == "06 98 76 54 32"

    # Claire's turn; the school refuses with a reason she reads on the page and in her mail.
    post(claire, base + "/eleve/modifier", as_filled(claire, base + "/eleve/modifier", prenom2="Jean"))
    dossier = staff.get(dossier_path).text
    [demande_id] = re.findall(r'data-demande="(\d+)"', dossier)
    post(staff, dossier_path, {f"decision-{demande_id}": "refuser",
                               f"motif-{demande_id}": "Joindre un extrait d'acte de naissance"})
    assert "Joindre un extrait d'acte de naissance" in mail_about(platform, "claire@example.org", "refusées")["text"]
    shown = text_of(claire.get(base + "/").text)
    assert "Refusée Deuxième prénom : Jean" in shown and "Motif : Joindre un extrait d'acte de naissance" in shown
    assert "Refusée" not in text_of(philippe.get(base + "/").text)

    csv = staff.get(f"/admin/etablissement/{uai}/fiche/export.csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "ELEVE;1001;;MARTIN;Hugo;TEL_PORTABLE;;+33698765432" in csv.content.decode("utf-8-sig")


def test_forged_and_hostile_posts_are_refused_and_nothing_is_stored(platform, school):
    users, hugo = school["users"], school["ids"]["Hugo MARTIN"]
    claire, paul = users["claire"], users["paul"]
    edit = f"/eleve/{hugo}/fiche/responsable/modifier"
    before = claire.get(f"/eleve/{hugo}/fiche/responsable").text

    student_edit = f"/eleve/{hugo}/fiche/eleve/modifier"
    forged = post(claire, student_edit, as_filled(claire, student_edit, code_regime="0", regime="0"))
    assert "Aucune modification" in text_of(forged.text)
    assert champ(forged.text, "regime").startswith("DEMI-PENSIONNAIRE AU TICKET")

    hostile = post(claire, edit, {"civilite": "MME", "nom": "MARTIN", "prenom": "<script>alert(1)</script>",
                                  "adresse-ligne1": "12 AVENUE FOCH\x00", "adresse-code_postal": "59000",
                                  "adresse-commune": "Emerchicourt", "adresse-pays": "100",
                                  "tel_portable": "0611223344", "email": "claire@@example"})
    assert hostile.status_code == 400
    text = text_of(hostile.text)
    assert "Les caractères < et > ne sont pas autorisés." in text and "Adresse électronique invalide." in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.text and "<script>alert(1)" not in hostile.text
    assert claire.get(f"/eleve/{hugo}/fiche/responsable").text.count("En attente") == before.count("En attente")

    # Another family's child: the same answer as a child that does not exist.
    assert paul.get(f"/eleve/{hugo}/fiche/").status_code == 404
    assert post(paul, student_edit, {"prenom2": "X"}).status_code == 404
    # A page posted without its CSRF token changes nothing.
    raw = claire.http.post(claire.base_url + edit, data={"tel_portable": "0611223355"}, timeout=30)
    assert raw.status_code == 400
    assert "06 11 22 33 55" not in claire.get(f"/eleve/{hugo}/fiche/responsable").text


def test_an_adult_student_has_their_own_fiche_and_no_guardian_tab(platform, school):
    lucas, lucas_id = school["users"]["lucas"], school["ids"]["Lucas LEFEBVRE"]
    page = lucas.get(f"/eleve/{lucas_id}/fiche/")
    assert page.status_code == 200 and champ(page.text, "naissance") == "BERLIN (ALLEMAGNE)"
    assert lucas.get(f"/eleve/{lucas_id}/fiche/responsable").status_code == 404
    edit = f"/eleve/{lucas_id}/fiche/eleve/modifier"
    done = post(lucas, edit, as_filled(lucas, edit, email="lucas.lefebvre@example.org"))
    assert champ(done.text, "email").startswith("Non renseigné En attente lucas.lefebvre@example.org")
