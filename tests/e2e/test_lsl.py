"""Issue 16 as families and staff do it over HTTP, on the real services
(accounts, mailer, lsl, the gateway): the replication file through the CLI's
code path; only the tiles with data; the parts laid out; another family's
child and a child without a livret answered 404; requests with bad input kept
and explained, decided by the school, the family told by mail; who acts across
an 18th birthday as the clock moves."""
import re
import time
import uuid
from datetime import timedelta
from html import unescape

import pytest

from tests.e2e.test_notes import activate, login_again
from tests.helpers import family_payload, letters_by_name, text_of
from tools.import_lsl import ReplicationRefused, replicate_file
from tools.lsl_writer import lsl_xml

MATIERES = [("061300", "Mathématiques", "Enseignements obligatoires"),
            ("030201", "Latin", "Enseignements facultatifs")]
COMPETENCES = [("0022", "Raisonner, démontrer")]
NBSP = "\u00a0"


def _record(uai, eleves, avis=None):
    def evaluation(code, appreciation):
        return {"code": code, "modalite": "F" if code == "030201" else "S",
                "structure": (28, "11.40", "14.29", "42.86", "42.85"), "appreciation": appreciation,
                "periodes": ["12.00", "13.00", "14.00"], "competences": [("0022", "3")],
                "enseignants": [("DUPONT", "Marie")]}
    return {"uai": uai, "matieres": MATIERES, "competences": COMPETENCES, "eleves": [
        {"id": siecle, "avis_examen": (avis or {}).get(siecle), "engagements": ["C"],
         "annees": [{"annee": 2025, "classe": "1RE 2", "serie": "GENERALE",
                     "evaluations": [evaluation("061300", "Travail régulier, des progrès réels."),
                                     evaluation("030201", "Très bon latiniste.")]},
                    {"annee": 2026, "classe": "TERM 2", "serie": "GENERALE",
                     "evaluations": [evaluation("061300", "Excellent début d'année.")],
                     "avis_chef_etab": ("Élève sérieux.", "PROVISEUR", "Anne")}],
         "historique": [("6EME", 2019, "COLLÈGE JEAN MOULIN", "WATTIGNIES"),
                        ("TERM 2", 2026, "LYCÉE DU LIVRET", "WATTIGNIES")]} for siecle in eleves]}


def wait_for_mail(platform, to, subject_part, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in platform.mailbox(to=to) if subject_part in m["subject"]]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no mail «{subject_part}» for {to}: {[m['subject'] for m in platform.mailbox(to=to)]}")


@pytest.fixture(scope="module")
def lycee(platform, tmp_path_factory):
    """A lycée of its own: Hugo (turning 18 in five days) and Zoé have a livret,
    Léa none; Philippe MARTIN is Hugo's and Léa's guardian, Paul DURAND Zoé's."""
    uai = f"{uuid.uuid4().int % 10**7:07d}L"
    today = platform.clock.today()
    payload = family_payload(uai=uai, nom="LYCÉE DU LIVRET", type_="lycee")
    hugo_birth = (today + timedelta(days=5)).replace(year=today.year - 18)
    payload["eleves"][0].update(date_naissance=hugo_birth.isoformat(), classe="TERM 2")
    for person in payload["personnes"]:
        person["prenom"] += "-L"  # not the notes tests' guardians (same names, other accounts)
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=payload)
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
    staff = rpc.call("accounts", "create_staff_account", payload={
        "role": "staff", "etablissement_uai": uai, "fonction": "direction", "nom": "PROVISEUR", "prenom": "Anne"})
    path = tmp_path_factory.mktemp("lsl") / f"lsl-{uai}.xml"
    path.write_bytes(lsl_xml(_record(uai, ["101", "103"], avis={"101": "T", "103": "F"})))
    report = replicate_file(rpc, uai, path)
    assert report["eleves"] == {"crees": 2, "modifies": 0, "inchanges": 0}
    rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
    rpc.close()
    activate(platform, letters["Philippe-L MARTIN"], hugo_birth.isoformat())
    activate(platform, letters["Paul-L DURAND"], "2013-06-30")
    activate(platform, staff)
    yield {"uai": uai, "letters": letters, "ids": ids, "hugo_birth": hugo_birth, "path": path, "staff": staff}
    platform.clock.set_offset(0)


def philippe(platform, lycee):
    return login_again(platform, lycee["letters"]["Philippe-L MARTIN"]["identifiant"])


def test_the_same_file_again_changes_nothing_and_a_bad_one_is_refused_through_the_cli(platform, lycee):
    rpc = platform.rpc()
    try:
        again = replicate_file(rpc, lycee["uai"], lycee["path"])
        assert again["eleves"] == {"crees": 0, "modifies": 0, "inchanges": 2}
        bad = lycee["path"].with_name("inconnu.xml")
        bad.write_bytes(lsl_xml(_record(lycee["uai"], ["101", "999"])))
        with pytest.raises(ReplicationRefused) as exc:
            replicate_file(rpc, lycee["uai"], bad)
        assert "Élève 999 : inconnu dans cet établissement (identifiant SIECLE)." in str(exc.value)
    finally:
        rpc.close()


def test_tiles_for_the_parts_with_data_and_the_parts_laid_out(platform, lycee):
    user, hugo = philippe(platform, lycee), lycee["ids"]["Hugo MARTIN"]
    home = user.get(f"/eleve/{hugo}/")
    assert f'href="/eleve/{hugo}/lsl/"' in home.text
    page = user.get(f"/eleve/{hugo}/lsl/")
    assert page.status_code == 200
    assert re.findall(r'data-partie="(\w+)"', page.text) == ["enseignements", "engagements", "avis_examen",
                                                              "scolarite"]
    text = text_of(page.text)
    assert "Livret scolaire du lycée d'Hugo MARTIN" in text and "Demander une rectification" in text

    # The latest year by default, première a link away.
    latest = user.get(f"/eleve/{hugo}/lsl/enseignements").text
    years_nav = latest.split('id="annees"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'<a class="fr-tag" href="([^"]+)"', years_nav) == [
        f"/eleve/{hugo}/lsl/enseignements?annee=2025", f"/eleve/{hugo}/lsl/enseignements?annee=2026"]
    assert "Année scolaire 2026-2027 – TERM 2" in text_of(latest) and "Excellent début d'année." in text_of(latest)
    html = user.get(f"/eleve/{hugo}/lsl/enseignements?annee=2025").text
    # French typography: a non-breaking space before % and :.
    assert f"14,29{NBSP}%" in html and f"Raisonner, démontrer{NBSP}:" in html
    lessons = text_of(html)
    for expected in ("Année scolaire 2025-2026 – 1RE 2", "Enseignements obligatoires", "Enseignements facultatifs",
                     "Travail régulier, des progrès réels.", "Très bon latiniste.", "Moyenne d'Hugo 13,00",
                     "Moyenne du groupe (28 élèves) 11,40", "moins de 8 : 14,29 %", "Raisonner, démontrer",
                     "Compétences maîtrisées"):
        assert expected in lessons, expected
    assert "Excellent début d'année." not in lessons
    assert user.get(f"/eleve/{hugo}/lsl/enseignements?annee=2019").status_code == 404

    avis = text_of(user.get(f"/eleve/{hugo}/lsl/avis-examen").text)
    assert "Avis de l'équipe pédagogique Très favorable" in avis and "Élève sérieux." in avis
    assert "Très favorable avis d'Hugo 1 50,00 %" in avis and "Favorable 1 50,00 %" in avis
    assert "Effectif de la série 2 100,00 %" in avis

    history = text_of(user.get(f"/eleve/{hugo}/lsl/scolarite").text)
    assert "6EME 2019-2020 COLLÈGE JEAN MOULIN WATTIGNIES" in history
    assert "Délégué de classe" in text_of(user.get(f"/eleve/{hugo}/lsl/engagements").text)


def test_a_new_replication_shows_at_once_on_a_page_already_seen(platform, lycee, tmp_path):
    """The gateway keeps the Enseignements content it rendered (per child,
    viewer and year) while the service answers the same version."""
    user, hugo = philippe(platform, lycee), lycee["ids"]["Hugo MARTIN"]
    address = f"/eleve/{hugo}/lsl/enseignements?annee=2026"
    assert "Excellent début d'année." in text_of(user.get(address).text)
    assert "Excellent début d'année." in text_of(user.get(address).text)  # kept
    changed = _record(lycee["uai"], ["101", "103"], avis={"101": "T", "103": "F"})
    changed["eleves"][0]["annees"][1]["evaluations"][0]["appreciation"] = "Un deuxième trimestre solide."
    path = tmp_path / "lsl-changed.xml"
    path.write_bytes(lsl_xml(changed))
    rpc = platform.rpc()
    try:
        assert replicate_file(rpc, lycee["uai"], path)["eleves"]["modifies"] == 1
        now = text_of(user.get(address).text)
        assert "Un deuxième trimestre solide." in now and "Excellent début d'année." not in now
        # Another viewer of another child never gets this one's content.
        zoe = lycee["ids"]["Zoé DURAND"]
        paul = login_again(platform, lycee["letters"]["Paul-L DURAND"]["identifiant"])
        assert "Un deuxième trimestre solide." not in text_of(paul.get(f"/eleve/{zoe}/lsl/enseignements?annee=2026").text)
    finally:
        replicate_file(rpc, lycee["uai"], lycee["path"])
        rpc.close()
    assert "Excellent début d'année." in text_of(user.get(address).text)


def test_another_familys_child_and_a_child_without_a_livret_get_nothing(platform, lycee):
    user = philippe(platform, lycee)
    zoe, lea = lycee["ids"]["Zoé DURAND"], lycee["ids"]["Léa MARTIN"]
    for path in ("/lsl/", "/lsl/enseignements", "/lsl/avis-examen", "/lsl/demande/opposition"):
        assert user.get(f"/eleve/{zoe}{path}").status_code == 404
    assert user.post_form(f"/eleve/{zoe}/lsl/demande/opposition", {"confirmation": "y"}).status_code == 404
    page = user.get(f"/eleve/{lea}/lsl/")
    assert page.status_code == 404 and "le livret n'est pas encore créé" in text_of(page.text)
    assert f'href="/eleve/{lea}/lsl/"' not in user.get(f"/eleve/{lea}/").text
    paul = login_again(platform, lycee["letters"]["Paul-L DURAND"]["identifiant"])
    assert paul.get(f"/eleve/{lycee['ids']['Hugo MARTIN']}/lsl/enseignements").status_code == 404
    assert paul.get(f"/eleve/{zoe}/lsl/enseignements").status_code == 200


def _decide(staff, uai, demande_id, decision, reponse):
    page = staff.get(f"/admin/etablissement/{uai}/lsl")
    token = re.search(rf'name="d{demande_id}-csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    return staff.http.post(f"{staff.base_url}/admin/etablissement/{uai}/lsl/demande/{demande_id}", data={
        f"d{demande_id}-csrf_token": unescape(token), f"d{demande_id}-decision": decision,
        f"d{demande_id}-reponse": reponse}, timeout=30)


def test_requests_with_bad_input_kept_decided_by_the_school_and_mailed(platform, lycee):
    user, hugo = philippe(platform, lycee), lycee["ids"]["Hugo MARTIN"]
    email = f"{lycee['letters']['Philippe-L MARTIN']['identifiant']}@example.org"
    form = f"/eleve/{hugo}/lsl/demande/rectification"
    refused = user.post_form(form, {"partie": "enseignements", "objet": "", "commentaire": "Merci de vérifier."})
    assert refused.status_code == 400
    assert "Ce champ est obligatoire." in text_of(refused.text)
    assert "Merci de vérifier." in refused.text  # what was typed is kept
    done = user.post_form(form, {"partie": "enseignements", "objet": "La moyenne de latin est fausse.",
                                 "commentaire": ""})
    assert done.status_code == 200 and "Votre demande est enregistrée" in text_of(done.text)
    assert "Rectification : Enseignements" in text_of(done.text) and "en attente" in text_of(done.text)
    opposition = user.post_form(f"/eleve/{hugo}/lsl/demande/opposition", {"commentaire": ""})
    assert opposition.status_code == 400 and "Cochez la case pour confirmer votre demande." in text_of(opposition.text)

    staff = login_again(platform, lycee["staff"]["identifiant"])
    admin = staff.get(f"/admin/etablissement/{lycee['uai']}/lsl")
    assert "Hugo MARTIN – Rectification : Enseignements" in text_of(admin.text)
    demande_id = int(re.search(r'data-demande="(\d+)"', admin.text).group(1))
    assert _decide(staff, lycee["uai"], demande_id, "", "").status_code == 400
    assert _decide(staff, lycee["uai"], demande_id, "acceptee", "Corrigée dans le module LSL.").status_code == 200

    mail = wait_for_mail(platform, email, "demande acceptée")[0]
    assert mail["subject"] == "Livret scolaire du lycée – Hugo MARTIN\u00a0: demande acceptée"
    assert "Rectification\u00a0: Enseignements" in mail["text"] and "Corrigée dans le module LSL." in mail["text"]
    assert "acceptée le" in text_of(user.get(f"/eleve/{hugo}/lsl/").text)
    # Another establishment's staff page does not exist for this staff.
    assert staff.get("/admin/etablissement/0599003C/lsl").status_code == 404


def test_on_the_18th_birthday_the_guardian_stops_acting_and_the_student_acts(platform, lycee):
    hugo = lycee["ids"]["Hugo MARTIN"]
    try:
        platform.clock.advance(timedelta(days=6))
        user = philippe(platform, lycee)
        page = user.get(f"/eleve/{hugo}/lsl/")
        assert "Demander une rectification" not in text_of(page.text)
        assert "L'élève est majeur : c'est à lui de faire cette demande" in text_of(page.text)
        refused = user.post_form(f"/eleve/{hugo}/lsl/demande/opposition", {"confirmation": "y"})
        assert refused.status_code == 403
        student = activate(platform, lycee["letters"]["Hugo MARTIN"], lycee["hugo_birth"].isoformat())
        made = student.post_form(f"/eleve/{hugo}/lsl/demande/opposition", {"confirmation": "y", "commentaire": ""})
        assert made.status_code == 200
        assert "Opposition à la transmission du livret au jury du baccalauréat" in text_of(made.text)
        assert "Hugo MARTIN" in text_of(made.text)
    finally:
        platform.clock.advance(timedelta(days=-6))


def test_the_opening_is_offered_only_in_lycees(platform, lycee):
    college = f"{uuid.uuid4().int % 10**7:07d}K"
    payload = family_payload(uai=college, nom="COLLÈGE SANS LIVRET")
    for person in payload["personnes"]:
        person["prenom"] += "-K"
    rpc = platform.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=payload)
        operator = rpc.call("accounts", "create_staff_account", payload={
            "role": "operator", "nom": "OPERATEUR", "prenom": f"Lsl{college}", "email": f"op{college}@example.org"})
    finally:
        rpc.close()
    user = activate(platform, operator)
    assert 'data-service="lsl"' in user.get(f"/admin/etablissement/{lycee['uai']}/").text
    page = user.get(f"/admin/etablissement/{college}/")
    assert page.status_code == 200 and 'data-service="notes"' in page.text
    assert 'data-service="lsl"' not in page.text


def test_lsl_stopped_while_a_request_is_sent_keeps_what_was_typed(vhosts, databases, tmp_path_factory):
    """ARCHITECTURE rule 2 and the standards: the service stops between the
    form and its sending; the form comes back with the text typed and says
    the request was not sent; no stack trace, no 500."""
    from tests.fixtures import Platform

    services = {"accounts": {"required": True}, "mailer": {"required": True},
                "lsl": {"label": "Livret scolaire", "order": 40}}
    site = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("lsl-down"), services)
    site.start(list(services))
    try:
        uai = f"{uuid.uuid4().int % 10**7:07d}D"
        payload = family_payload(uai=uai, nom="LYCÉE EN PANNE", type_="lycee")
        rpc = site.rpc()
        rpc.call("accounts", "import_siecle", payload=payload)
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        rpc.call("lsl", "replicate", uai=uai, xml=lsl_xml(_record(uai, ["103"])).decode())
        rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
        rpc.close()
        paul = activate(site, letters["Paul DURAND"], "2013-06-30")
        zoe = int(re.search(r"/eleve/(\d+)/", paul.get("/").text).group(1))
        form = f"/eleve/{zoe}/lsl/demande/rectification"
        page = paul.get(form)
        assert page.status_code == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        site.cluster.processes["lsl"].stop()
        sent = paul.http.post(site.base_url + form, data={
            "csrf_token": unescape(token), "partie": "scolarite", "objet": "La classe de 2nde est mal nommée.",
            "commentaire": "Elle était en 2nde 3."}, timeout=60)
        assert sent.status_code == 503
        text = text_of(sent.text)
        assert "votre demande n'a pas été envoyée" in text, text[:1500]
        assert "La classe de 2nde est mal nommée." in sent.text and "Elle était en 2nde 3." in sent.text
        assert "Traceback" not in sent.text
    finally:
        site.stop()
