"""Issue 6, as families and staff do it over HTTP: grades imported through the
documented file, published by the school's rule, subject tiles orange or
violet following the previous connection as the clock moves, each child's
grades only to their own guardians and to themself, a closed service absent."""
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest

from common.clock import PARIS
from common.typography import french_datetime
from common.config import ROOT
from common.errors import ValidationError
from tests.fixtures import Platform
from tests.helpers import WebUser, family_payload, letters_by_name, text_of
from tools import demo_notes
from tools.import_notes import import_files

TILE = re.compile(r'<div class="fr-tile fr-enlarge-link (tile-new|tile-nothing-new)" data-matiere="(\d+)">'
                  r'.*?<a href="[^"]+">([^<]+)</a>.*?<p class="fr-tile__detail">(.*?)</p>', re.S)
COLOURS = {"tile-new": "orange", "tile-nothing-new": "violet"}
HEADER = "evaluation;matiere;groupe;enseignants;date;titre;coefficient;bareme;date_publication;eleve;note;saisie_le"


def tiles(html: str) -> dict:
    """{subject: (colour, text of the tile's detail)}"""
    return {name: (COLOURS[cls], text_of(detail)) for cls, _id, name, detail in TILE.findall(html)}


def subject_links(html: str) -> dict:
    return {name: int(sid) for _cls, sid, name, _detail in TILE.findall(html)}


def menu_of(html: str) -> list[str]:
    nav = html.split('id="menu-eleve"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a class="fr-sidemenu__link"[^>]*>([^<]+)</a>', nav)


def activate(platform, letter, birth=None, password="valide2026") -> WebUser:
    user = WebUser(platform.base_url)
    user.login(letter["identifiant"], letter["password"])
    form = {"new_password": password, "new_password_confirm": password}
    if birth:
        form["date_naissance"] = birth
    if letter.get("role") == "responsable":
        form.update(email=f"{letter['identifiant']}@example.org", email_confirm=f"{letter['identifiant']}@example.org")
    page = user.post_form("/premiere-connexion", form)
    # Past the first-connection form (the home page itself may say « Première connexion »).
    assert page.status_code == 200 and "Pour activer votre compte" not in text_of(page.text), text_of(page.text)[:500]
    if letter.get("role") == "responsable" and getattr(platform, "mail_dir", None) is not None:
        # A guardian reaches the services once their address is confirmed (guide § 2.2.1).
        user.http.get(confirmation_link(platform, form["email"]), timeout=30)
    user.password = password
    return user


def confirmation_link(platform, email: str) -> str:
    """The link of the confirmation mail, once the mailer has delivered it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in platform.mailbox(to=email):
            links = re.findall(r"https?://\S+/confirmation/\S+", message["text"])
            if links:
                return links[-1].rstrip(".>")
        time.sleep(0.2)
    raise AssertionError(f"no confirmation mail for {email}")


def login_again(platform, identifiant, password="valide2026") -> WebUser:
    user = WebUser(platform.base_url)
    page = user.login(identifiant, password)
    assert "Identifiant ou mot de passe incorrect" not in text_of(page.text)
    return user


def write_csv(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def school(platform, tmp_path):
    """An establishment of this test's own with notes open and grades
    published three days ago, so that each test starts from the same state
    whatever ran before it. The clock is put back afterwards."""
    uai = f"{uuid.uuid4().int % 10**7:07d}N"
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai, nom="COLLÈGE DES NOTES"))
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
    staff = rpc.call("accounts", "create_staff_account", payload={
        "role": "staff", "etablissement_uai": uai, "fonction": "direction", "nom": "PRINCIPAL", "prenom": "Paul"})
    rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)

    now = platform.clock.now().astimezone(PARIS)
    three_days_ago = (now - timedelta(days=3)).strftime("%d/%m/%Y %H:%M")
    day = (now - timedelta(days=4)).strftime("%d/%m/%Y")
    matieres = write_csv(tmp_path, "matieres.csv", ["code;libelle", "MATHS;Mathématiques", "FRANC;Français"])
    notes = write_csv(tmp_path, "notes.csv", [
        HEADER,
        f"M1;MATHS;5A;M. DUPONT, Mme LEROY;{day};Fractions;2;20;;101;15,5;{three_days_ago}",
        f"M1;MATHS;5A;M. DUPONT, Mme LEROY;{day};Fractions;2;20;;103;9;{three_days_ago}",
        f"M2;MATHS;5A;M. DUPONT;{day};Calcul mental;1;10;;101;7;{three_days_ago}",
        f"F1;FRANC;5A;Mme HUGO;{day};Dictée;1;20;;101;Abs;{three_days_ago}",
        f"F2;FRANC;5A;Mme HUGO;{day};Rédaction;1;20;;101;12;{three_days_ago}",
        f"F3;FRANC;5A-G2;Mme HUGO;{day};Exposé de Zoé;1;20;;103;18,75;{three_days_ago}",
    ])
    report = import_files(rpc, uai, notes=notes, matieres=matieres)
    assert report["notes"]["creees"] == 6
    rpc.close()
    yield {"uai": uai, "letters": letters, "ids": ids, "staff": staff, "tmp": tmp_path}
    platform.clock.set_offset(0)


@pytest.fixture
def closed_school(platform):
    """An establishment that has not opened notes."""
    uai = f"{uuid.uuid4().int % 10**7:07d}C"
    payload = family_payload(uai=uai, nom="COLLÈGE FERMÉ")
    for person in payload["personnes"]:
        person["prenom"] += "-F"
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=payload)
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    rpc.close()
    return {"uai": uai, "letters": letters}


def test_student_sees_subject_tiles_with_teachers_and_details_with_class_figures(platform, school):
    hugo = activate(platform, school["letters"]["Hugo MARTIN"], "2012-04-04")
    hugo_id = school["ids"]["Hugo MARTIN"]
    home = hugo.get(f"/eleve/{hugo_id}/")
    assert "Notes" in menu_of(home.text)
    page = hugo.get(f"/eleve/{hugo_id}/notes/")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Notes d'Hugo MARTIN" in text and "Notes" in menu_of(page.text)
    # First connection: every published grade is new to him.
    assert tiles(page.text) == {
        "Français": ("orange", "2 nouvelles notes – moyenne 12/20"),
        "Mathématiques": ("orange", "2 nouvelles notes – moyenne 15/20"),
    }
    assert "M. DUPONT, Mme LEROY" in text and "Mme HUGO" in text
    assert "Moyenne générale 13,5" in text  # (12 + 15) / 2
    assert "chaque note est ramenée sur 20" in text
    assert "au fil de l'eau" in text

    maths = hugo.get(f"/eleve/{hugo_id}/notes/{subject_links(page.text)['Mathématiques']}")
    detail = text_of(maths.text)
    # Date, title, coefficient, his grade, class average, minimum, maximum.
    assert "Fractions nouvelle 2 15,5/20 12,25/20 9/20 15,5/20" in detail
    assert "Calcul mental nouvelle 1 7/10 7/10 7/10 7/10" in detail
    assert "Moyenne d'Hugo : 15/20" in detail  # (15.5 × 2 + 14 × 1) / 3
    francais = text_of(hugo.get(f"/eleve/{hugo_id}/notes/{subject_links(page.text)['Français']}").text)
    assert "Dictée nouvelle 1 Absent" in francais
    assert "1 absence" in francais
    assert "Exposé de Zoé" not in francais and "18,75" not in francais


def test_tiles_turn_orange_for_grades_published_since_the_previous_connection(platform, school):
    hugo_id = school["ids"]["Hugo MARTIN"]
    identifiant = school["letters"]["Hugo MARTIN"]["identifiant"]
    activate(platform, school["letters"]["Hugo MARTIN"], "2012-04-04")
    # He came back after the grades were published: nothing new.
    hugo = login_again(platform, identifiant)
    assert {k: v[0] for k, v in tiles(hugo.get(f"/eleve/{hugo_id}/notes/").text).items()} == {
        "Français": "violet", "Mathématiques": "violet"}
    assert "Rien de nouveau depuis votre dernière connexion" in text_of(hugo.get(f"/eleve/{hugo_id}/").text)

    # A maths grade entered now is published tomorrow, au fil de l'eau.
    rpc = platform.rpc()
    day = platform.clock.now().astimezone(PARIS).strftime("%d/%m/%Y")
    rpc.call("notes", "import_evaluations", uai=school["uai"], rows=[
        {"evaluation": "M3", "matiere": "MATHS", "groupe": "5A", "enseignants": "M. DUPONT", "date": day,
         "titre": "Géométrie", "coefficient": "1", "bareme": "20", "eleve": "101", "note": "18"}])
    rpc.close()
    page = hugo.get(f"/eleve/{hugo_id}/notes/")
    assert tiles(page.text)["Mathématiques"] == ("violet", "Pas de nouvelle note – moyenne 15/20")
    assert "Géométrie" not in text_of(hugo.get(f"/eleve/{hugo_id}/notes/{subject_links(page.text)['Mathématiques']}").text)

    platform.clock.advance(timedelta(days=1))
    hugo = login_again(platform, identifiant)
    page = hugo.get(f"/eleve/{hugo_id}/notes/")
    assert tiles(page.text) == {"Français": ("violet", "Pas de nouvelle note – moyenne 12/20"),
                                "Mathématiques": ("orange", "1 nouvelle note – moyenne 15,75/20")}
    assert "1 nouvelle note" in text_of(hugo.get(f"/eleve/{hugo_id}/").text)

    # Seen: at the next connection the tile is violet again and the home tile is gone.
    hugo = login_again(platform, identifiant)
    seen_at = platform.clock.now()
    assert tiles(hugo.get(f"/eleve/{hugo_id}/notes/").text)["Mathématiques"][0] == "violet"
    assert "nouvelle note" not in text_of(hugo.get(f"/eleve/{hugo_id}/").text)

    # The same tiles at the connection after: the page names that previous
    # connection, not the one before (both kept the same content).
    platform.clock.advance(timedelta(hours=2))
    hugo = login_again(platform, identifiant)
    text = text_of(hugo.get(f"/eleve/{hugo_id}/notes/").text)
    assert f"depuis votre dernière connexion (le {text_of(french_datetime(seen_at))})" in text, text


def test_guardian_sees_their_children_only_and_a_student_only_themself(platform, school):
    ids = school["ids"]
    philippe = activate(platform, school["letters"]["Philippe MARTIN"], "2012-04-04")
    page = philippe.get(f"/eleve/{ids['Hugo MARTIN']}/notes/")
    assert page.status_code == 200 and "Mathématiques" in tiles(page.text)
    francais = subject_links(page.text)["Français"]
    # Zoé is not his child: her pages answer like pages that do not exist.
    for path in (f"/eleve/{ids['Zoé DURAND']}/notes/", f"/eleve/{ids['Zoé DURAND']}/notes/{francais}"):
        other = philippe.get(path)
        assert other.status_code == 404 and "Page introuvable" in text_of(other.text)
        assert "Exposé de Zoé" not in other.text
    # Léa, his other child, has no grade: an empty page, not her brother's.
    lea = text_of(philippe.get(f"/eleve/{ids['Léa MARTIN']}/notes/").text)
    assert "Aucune note n'est encore publiée pour Léa" in lea and "Fractions" not in lea

    zoe = activate(platform, school["letters"]["Zoé DURAND"], "2013-06-30")
    own = zoe.get(f"/eleve/{ids['Zoé DURAND']}/notes/{francais}")
    assert "Exposé de Zoé" in text_of(own.text)
    for path in (f"/eleve/{ids['Hugo MARTIN']}/notes/", f"/eleve/{ids['Hugo MARTIN']}/notes/{francais}"):
        assert zoe.get(path).status_code == 404


def test_closed_service_is_absent_from_menus_and_its_page_says_so_in_french(platform, closed_school):
    letter = closed_school["letters"]["Zoé DURAND"]
    zoe = activate(platform, letter, "2013-06-30")
    home = zoe.get("/")
    eleve_id = int(re.search(r"/eleve/(\d+)/", home.url + home.text).group(1))
    assert "Notes" not in menu_of(zoe.get(f"/eleve/{eleve_id}/").text)
    page = zoe.get(f"/eleve/{eleve_id}/notes/")
    assert page.status_code == 404
    text = text_of(page.text)
    assert "n'a pas ouvert la consultation des notes en ligne" in text
    assert "Notes" not in menu_of(page.text)


def test_staff_switch_to_echeance_and_grades_follow_their_publication_date(platform, school, closed_school):
    uai = school["uai"]
    staff = activate(platform, school["staff"])
    page = staff.get(f"/admin/etablissement/{uai}/notes")
    assert page.status_code == 200 and "Au fil de l'eau" in text_of(page.text)
    # Another establishment's settings are not theirs.
    assert staff.get(f"/admin/etablissement/{closed_school['uai']}/notes").status_code == 404
    # A family never reaches the administration.
    hugo = activate(platform, school["letters"]["Hugo MARTIN"], "2012-04-04")
    assert hugo.get(f"/admin/etablissement/{uai}/notes").status_code == 404

    in_two_days = (platform.clock.now().astimezone(PARIS) + timedelta(days=2)).strftime("%d/%m/%Y")
    rpc = platform.rpc()
    rpc.call("notes", "import_evaluations", uai=uai, rows=[
        {"evaluation": "F4", "matiere": "FRANC", "groupe": "5A", "enseignants": "Mme HUGO", "date": platform.clock.now().astimezone(PARIS).strftime("%d/%m/%Y"),
         "titre": "Poésie", "coefficient": "1", "bareme": "20", "date_publication": in_two_days,
         "eleve": "101", "note": "16"}])
    rpc.close()
    page = staff.post_form(f"/admin/etablissement/{uai}/notes", {"mode": "echeance"})
    assert "Le mode de publication des notes est enregistré." in text_of(page.text)
    hugo_id = school["ids"]["Hugo MARTIN"]
    # À échéance, grades without a publication date are not shown.
    assert "Aucune note n'est encore publiée" in text_of(hugo.get(f"/eleve/{hugo_id}/notes/").text)
    platform.clock.advance(timedelta(days=2))
    hugo = login_again(platform, school["letters"]["Hugo MARTIN"]["identifiant"])
    page = hugo.get(f"/eleve/{hugo_id}/notes/")
    assert tiles(page.text) == {"Français": ("orange", "1 nouvelle note – moyenne 16/20")}


def test_a_refused_import_names_the_line_and_writes_nothing(platform, school):
    rpc = platform.rpc()
    day = platform.clock.now().astimezone(PARIS).strftime("%d/%m/%Y")
    good = {"evaluation": "M9", "matiere": "MATHS", "groupe": "5A", "date": day, "titre": "Bilan",
            "coefficient": "1", "bareme": "20"}
    with pytest.raises(ValidationError) as exc:
        rpc.call("notes", "import_evaluations", uai=school["uai"], rows=[
            {**good, "eleve": "101", "note": "12", "ligne": 2},
            {**good, "eleve": "103", "note": "25", "ligne": 3},
            {**good, "eleve": "999", "note": "10", "ligne": 4},
            {**good, "evaluation": "X1", "matiere": "LATIN", "eleve": "101", "note": "10", "ligne": 5},
            {**good, "evaluation": "X2", "coefficient": "-1", "eleve": "101", "note": "10", "ligne": 6}])
    assert exc.value.errors["lignes"] == [
        "Ligne 3, colonne « note » : la note 25 est supérieure au barème (/20).",
        "Ligne 4, colonne « eleve » : élève inconnu dans cet établissement (identifiant 999).",
        "Ligne 5, colonne « matiere » : matière inconnue (LATIN) : déclarez d'abord les matières de l'établissement.",
        "Ligne 6, colonne « coefficient » : le coefficient ne peut pas être négatif.",
    ]
    # Line 2 was fine, and was not written: importing it alone creates it.
    report = rpc.call("notes", "import_evaluations", uai=school["uai"], rows=[{**good, "eleve": "101", "note": "12"}])
    assert report["evaluations"]["creees"] == 1 and report["notes"]["creees"] == 1
    rpc.close()


def test_import_cli_refuses_a_file_naming_the_line(platform, school):
    path = write_csv(school["tmp"], "faux.csv", [
        HEADER, "Z1;MATHS;5A;M. DUPONT;02/11/2026;Test;1;20;;101;21;"])
    env = {**os.environ, "AMQP_URI": platform.amqp_uri, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "tools.import_notes", "--uai", school["uai"], str(path)],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert "Ligne 2, colonne « note » : la note 21 est supérieure au barème (/20)." in result.stderr
    assert "rien n'a été importé" in result.stderr


def test_demo_fills_a_trimester_for_every_class_and_opens_notes(platform):
    uai = f"{uuid.uuid4().int % 10**7:07d}D"
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai, nom="COLLÈGE DÉMO"))
    reports = demo_notes.fill(rpc, [uai], modes={uai: "echeance"}, clock=platform.clock)
    assert reports[uai]["notes"]["creees"] > 50
    eleves = rpc.call("accounts", "list_eleves", uai=uai)
    hugo = next(e for e in eleves if e["prenom"] == "Hugo")
    child = {"eleve_id": hugo["eleve_id"], "etablissement_uai": uai, "viewer_account_id": 1,
             "viewer_role": "eleve", "eleve_majeur": False}
    page = rpc.call("notes", "subjects", child=child)
    assert page["publication_mode"] == "echeance"
    assert len(page["matieres"]) >= 10 and page["moyenne_generale"] is not None
    assert all(m["enseignants"] for m in page["matieres"])
    # Filling again changes nothing: same evaluations, same grades.
    again = demo_notes.fill(rpc, [uai], modes={uai: "echeance"}, clock=platform.clock)
    assert again[uai]["notes"]["creees"] == 0
    rpc.close()


def test_notes_deployed_but_stopped_gives_a_french_page_and_the_rest_works(vhosts, databases, tmp_path_factory):
    """ARCHITECTURE rule 2: listed in the deployment but not running, the notes
    entry is shown as unavailable and its page says so; the home page works."""
    services = {"accounts": {"required": True}, "notes": {"label": "Notes", "order": 20}}
    site = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("notes-down"), services)
    site.start(["accounts"])
    try:
        uai = f"{uuid.uuid4().int % 10**7:07d}S"
        rpc = site.rpc()
        rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        rpc.close()
        zoe = activate(site, letters["Zoé DURAND"], "2013-06-30")
        home = zoe.get("/")
        assert home.status_code == 200 and "La scolarité de Zoé DURAND" in text_of(home.text)
        eleve_id = int(re.search(r"/eleve/(\d+)/", home.url).group(1))
        page = zoe.get(f"/eleve/{eleve_id}/notes/")
        assert page.status_code == 503
        text = text_of(page.text)
        assert "La consultation des notes est momentanément indisponible." in text
        assert "Notes (momentanément indisponible)" in text
        assert "Traceback" not in page.text
    finally:
        site.stop()


def test_a_kept_subjects_page_shows_at_once_each_change_and_never_another_childs(platform, school):
    """The service and the gateway keep a subjects page while nothing it shows
    changed (docs/performance.md): a grade published, changed or unpublished
    and the clock passing a publication instant show on the very next load."""
    uai, ids = school["uai"], school["ids"]
    philippe = activate(platform, school["letters"]["Philippe MARTIN"], "2012-04-04")
    hugo_page, lea_page = f"/eleve/{ids['Hugo MARTIN']}/notes/", f"/eleve/{ids['Léa MARTIN']}/notes/"
    now = platform.clock.now().astimezone(PARIS)
    day, three_days_ago = (now - timedelta(days=4)).strftime("%d/%m/%Y"), (now - timedelta(days=3)).strftime("%d/%m/%Y %H:%M")

    def grade(evaluation, eleve, note, saisie_le=three_days_ago):
        return {"evaluation": evaluation, "matiere": "MATHS", "groupe": "5A", "enseignants": "M. DUPONT", "date": day,
                "titre": f"Évaluation {evaluation}", "coefficient": "1", "bareme": "10", "eleve": eleve, "note": note,
                **({"saisie_le": saisie_le} if saisie_le else {})}

    rpc = platform.rpc()
    try:
        assert tiles(philippe.get(hugo_page).text)["Mathématiques"][1].endswith("moyenne 15/20")
        # The other child's page, right after: their own grades only.
        assert "Aucune note n'est encore publiée pour Léa cette année." in text_of(philippe.get(lea_page).text)
        assert tiles(philippe.get(hugo_page).text)["Mathématiques"][1].endswith("moyenne 15/20")

        # Changed: 7/10 becomes 10/10.
        rpc.call("notes", "import_evaluations", uai=uai, rows=[{**grade("M2", "101", "10"), "titre": "Calcul mental"}])
        assert tiles(philippe.get(hugo_page).text)["Mathématiques"][1].endswith("moyenne 17/20")

        # Published (entered three days ago): at once.
        assert philippe.get(lea_page).status_code == 200
        rpc.call("notes", "import_evaluations", uai=uai, rows=[grade("L1", "102", "8")])
        assert tiles(philippe.get(lea_page).text)["Mathématiques"][1].endswith("moyenne 16/20")

        # Late in the evening (the same session until past midnight), a grade
        # entered then: published at midnight, kept page or not.
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=30, microsecond=0)
        platform.clock.move_to(midnight - timedelta(minutes=10))
        philippe = login_again(platform, school["letters"]["Philippe MARTIN"]["identifiant"])
        assert tiles(philippe.get(lea_page).text)["Mathématiques"][1].endswith("moyenne 16/20")
        rpc.call("notes", "import_evaluations", uai=uai, rows=[grade("L2", "102", "4", saisie_le=None)])
        assert tiles(philippe.get(lea_page).text)["Mathématiques"][1].endswith("moyenne 16/20")
        platform.clock.move_to(midnight)
        assert tiles(philippe.get(lea_page).text)["Mathématiques"][1].endswith("moyenne 12/20")

        # Unpublished: "à échéance", an evaluation without a publication date is not shown.
        rpc.call("notes", "set_publication_mode", uai=uai, mode="echeance")
        assert "Aucune note n'est encore publiée pour Hugo cette année." in text_of(philippe.get(hugo_page).text)
    finally:
        rpc.close()
