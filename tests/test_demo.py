"""The demo académie is what the README promises: built from SIECLE files
through the import CLI's code path, every account in var/demo-comptes.txt
opens with its provisional password, and the stories hold."""
import zipfile

import pytest

from tests.fixtures import platform_on
from tools import demo

STORY_LINES = len(demo.STORIES)


# The shared platform on SQLite, the demo's backend (`make run`).
platform = platform_on(["sqlite"])


@pytest.fixture(scope="module")
def academie(platform, tmp_path_factory):
    var = tmp_path_factory.mktemp("demo-var")
    rpc = platform.rpc(timeout=120)
    try:
        comptes = demo.build(rpc, var, platform.clock, services=["accounts", "notes"])
    finally:
        rpc.close()
    path = var / "demo-comptes.txt"
    demo.write_credentials(comptes, path)
    lines = [line.split(" | ") for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    return {"var": var, "path": path, "lines": lines}


@pytest.fixture(scope="module")
def sessions(platform, academie):
    """Every account of the file, logged in with its provisional password."""
    rpc = platform.rpc()
    found = {}
    try:
        for identifiant, password, *_ in academie["lines"]:
            login = rpc.call("accounts", "login", identifiant=identifiant, password=password)
            assert login["must_change_password"]
            found[identifiant] = {"token": login["token"],
                                  **rpc.call("accounts", "get_session", token=login["token"])}
    finally:
        rpc.close()
    return found


def accounts_of(academie, sessions, person, role="responsable"):
    return [sessions[line[0]] for line in academie["lines"] if line[3] == person and line[2] == role]


def test_the_files_are_siecle_exports_one_college_zipped(academie):
    siecle = academie["var"] / "demo" / "siecle"
    zipped = sorted(p.name for p in (siecle / "0599001A").glob("*.zip"))
    assert zipped == ["ExportXML_ElevesSansAdresses.zip", "ExportXML_ResponsablesAvecAdresses.zip"]
    with zipfile.ZipFile(siecle / "0599001A" / "ExportXML_ElevesSansAdresses.zip") as archive:
        data = archive.read("ElevesSansAdresses.xml")
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.0">')
    assert "Léa".encode("iso-8859-15") in data
    for uai in ("0599002B", "0599003C"):
        responsables = (siecle / uai / "ResponsablesAvecAdresses.xml").read_bytes()
        assert b"<NIVEAU_RESPONSABILITE>1</NIVEAU_RESPONSABILITE>" in responsables
        assert b"<UAJ>" + uai.encode() + b"</UAJ>" in responsables


def test_three_establishments_with_classes_and_families(academie, sessions):
    students = [s for s in sessions.values() if s["role"] == "eleve"]
    by_school = {}
    for s in students:
        child = s["children"][0]
        by_school.setdefault((child["etablissement_nom"], child["etablissement_uai"]), set()).add(child["classe"])
    assert sorted(by_school) == [("COLLÈGE JEAN MOULIN", "0599001A"), ("COLLÈGE MARIE CURIE", "0599002B"),
                                 ("LYCÉE MARGUERITE DE FLANDRE", "0599003C")]
    assert all(len(classes) >= 4 for classes in by_school.values())
    for uai in ("0599001A", "0599002B", "0599003C"):
        count = sum(1 for s in students if s["children"][0]["etablissement_uai"] == uai)
        assert 15 <= count <= 30


def test_philippe_martin_has_two_accounts_with_two_and_one_children(academie, sessions):
    accounts = accounts_of(academie, sessions, "Philippe MARTIN")
    children = sorted(sorted((c["prenom"], c["etablissement_uai"]) for c in a["children"]) for a in accounts)
    assert children == [[("Hugo", "0599001A"), ("Léa", "0599001A")], [("Sarah", "0599003C")]]


def test_ines_two_guardians_have_separate_accounts(academie, sessions):
    nadia = accounts_of(academie, sessions, "Nadia BERNARD")
    karim = accounts_of(academie, sessions, "Karim BERNARD")
    assert len(nadia) == len(karim) == 1 and nadia[0]["identifiant"] != karim[0]["identifiant"]
    assert [c["prenom"] for c in nadia[0]["children"]] == [c["prenom"] for c in karim[0]["children"]] == ["Inès"]


def test_lucas_is_an_adult_student(academie, sessions):
    (lucas,) = accounts_of(academie, sessions, "Lucas LEFEBVRE", role="élève")
    assert lucas["children"][0]["eleve_majeur"] is True
    (hugo,) = accounts_of(academie, sessions, "Hugo MARTIN", role="élève")
    assert hugo["children"][0]["eleve_majeur"] is False


def test_the_contact_only_grandmother_and_the_student_who_left_get_no_account(academie):
    people = {line[3] for line in academie["lines"]}
    assert not {"Odette MARTIN", "Jérôme PETIT", "Nathalie PETIT"} & people
    siecle = academie["var"] / "demo" / "siecle"
    assert "- personne 5002 (Odette MARTIN) : personne à contacter seulement (niveau 3) : pas de compte" in \
        (siecle / "0599001A" / "rapport-import.txt").read_text(encoding="utf-8")
    assert "- élève 2003 (Jérôme PETIT) : sorti de l'établissement le" in \
        (siecle / "0599002B" / "rapport-import.txt").read_text(encoding="utf-8")


def test_stories_come_first_then_staff(academie):
    lines = academie["lines"]
    assert [(line[3], line[2]) for line in lines[:STORY_LINES]] == [
        (person, "élève" if role == "eleve" else role) for _, role, person, _ in demo.STORIES]
    staff = lines[STORY_LINES:STORY_LINES + 4]
    assert [line[2] for line in staff] == ["personnel"] * 3 + ["opérateur"]
    assert {line[2] for line in lines[STORY_LINES + 4:]} == {"élève", "responsable"}


def test_staff_and_operator_accounts_open(academie, sessions):
    staff = [sessions[line[0]] for line in academie["lines"] if line[2] == "personnel"]
    assert sorted((s["etablissement_uai"], s["fonction"]) for s in staff) == [
        ("0599001A", "direction"), ("0599002B", "direction"), ("0599003C", "direction")]
    (operator,) = [sessions[line[0]] for line in academie["lines"] if line[2] == "opérateur"]
    assert operator["role"] == "operator"


def test_each_family_account_shows_the_birth_date_its_first_connection_asks_for(academie, sessions):
    for identifiant, _, role, person, _, remark in academie["lines"]:
        children = sessions[identifiant]["children"]
        if role == "responsable":
            for child in children:
                day = "/".join(reversed(child["date_naissance"].split("-")))
                assert f"{child['prenom']} ({day}, {child['classe']})" in remark, (person, remark)
        elif role == "élève":
            day = "/".join(reversed(children[0]["date_naissance"].split("-")))
            assert f" le {day}, en {children[0]['classe']}" in remark, (person, remark)


def test_the_demo_students_have_grades_when_notes_is_deployed(platform, academie, sessions):
    (hugo,) = accounts_of(academie, sessions, "Hugo MARTIN", role="élève")
    child = hugo["children"][0]
    rpc = platform.rpc()
    try:
        page = rpc.call("notes", "subjects", child={
            "eleve_id": child["eleve_id"], "etablissement_uai": child["etablissement_uai"],
            "viewer_account_id": hugo["id"], "viewer_role": "eleve", "eleve_majeur": False})
    finally:
        rpc.close()
    assert len(page["matieres"]) >= 5


def test_each_establishment_has_a_welcome_message(academie, sessions):
    (hugo,) = accounts_of(academie, sessions, "Hugo MARTIN", role="élève")
    message = hugo["children"][0]["etablissement_message"]
    assert message.startswith("Bienvenue sur les services en ligne de l'établissement COLLÈGE JEAN MOULIN !")
    assert "\n" in message


def test_the_academie_links_are_declared_and_opened_per_establishment(academie, sessions):
    """LPC (collège, everyone, computer only), cahier de textes and ENT
    (everyone), Pix (students): Jean Moulin opened them all, Marie Curie only
    the ENT, the lycée all but the collège's LPC."""
    def links_of(etablissement, role):
        found = {tuple(sorted(lien["nom"].split(" ")[0] for lien in child["liens"]))
                 for line in academie["lines"] if line[2] == role and line[4] == etablissement
                 for child in sessions[line[0]]["children"] if child["etablissement_nom"] == etablissement}
        assert len(found) == 1, found
        return found.pop()

    assert links_of("COLLÈGE JEAN MOULIN", "élève") == ("Cahier", "ENT", "Livret", "Pix")
    assert links_of("COLLÈGE JEAN MOULIN", "responsable") == ("Cahier", "ENT", "Livret")
    assert links_of("COLLÈGE MARIE CURIE", "élève") == ("ENT",)
    assert links_of("LYCÉE MARGUERITE DE FLANDRE", "élève") == ("Cahier", "ENT", "Pix")
