"""Issue 19, "the new school year", as families, staff and the académie's
operator live it over HTTP on the real services (accounts, mailer, notes,
lsl, the gateway): a year-N académie of a collège and a lycée imported from
SIECLE files, the clock moved to the rentrée of year N+1, and the rollover
(`tools.rentree`) run on the new year's files. Accounts are kept, menus are
closed until the establishment opens them again, Hugo moves from the collège
to the lycée with his accounts, Zoé left after her bac: her father keeps the
LSL for 5 months and nothing else, then nothing. Running the rollover again
changes nothing; a truncated file is refused."""
import os
import re
import subprocess
import sys
import uuid
from datetime import date, datetime, timezone

import pytest

from common.config import ROOT
from tests.e2e.test_lsl import _record, wait_for_mail
from tests.e2e.test_notes import activate, login_again
from tests.helpers import letters_by_name, text_of, wait_until
from tools import rentree, siecle_writer
from tools.import_lsl import replicate_file
from tools.import_siecle import import_files
from tools.lsl_writer import lsl_xml

YEAR_N = datetime(2026, 10, 5, 8, 0, tzinfo=timezone.utc)
END_OF_YEAR_N = datetime(2027, 7, 10, 8, 0, tzinfo=timezone.utc)
RENTREE = datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)
ZOE_LEFT = date(2027, 7, 4)
EXTRA = 12  # other lycée students, so that the truncated-file guard applies


def eleve(eleve_id, prenom, nom, birth, classe, ine, date_sortie=None):
    return {"eleve_id": eleve_id, "elenoet": eleve_id, "ine": ine, "nom": nom, "prenom": prenom, "sexe": "1",
            "date_naissance": birth, "date_entree": date(2019, 9, 1), "date_sortie": date_sortie, "classe": classe}


def write_exports(folder, uai, annee, eleves, personnes, liens):
    exported = datetime(annee, 9, 1, 7, 0)
    siecle_writer.write(folder / uai / "ElevesSansAdresses.xml",
                        siecle_writer.eleves_xml(uai, annee, exported, eleves))
    siecle_writer.write(folder / uai / "ResponsablesAvecAdresses.xml",
                        siecle_writer.responsables_xml(uai, annee, exported, personnes, liens, []))
    return sorted((folder / uai).iterdir())


def personne(pid, prenom, nom, email=None):
    return {"personne_id": pid, "civilite": "M.", "nom": nom, "prenom": prenom, "email": email}


def lien(eleve_id, pid):
    return {"eleve_id": eleve_id, "personne_id": pid, "niveau": 1, "code_parente": "20"}


class Academie:
    """Two establishments of this module's own; the files of both years."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.college = f"{uuid.uuid4().int % 10**7:07d}C"
        self.lycee = f"{uuid.uuid4().int % 10**7:07d}L"
        self.ine = f"{uuid.uuid4().int % 10**9:09d}RE"
        self.marc = f"marc.{self.college.lower()}@example.org"
        self.extras = [eleve(f"9{i:03d}", f"Élève{i}", "NOMBRE", date(2010, 1, 1), "TERM 1", None)
                       for i in range(EXTRA)]

    def year_n(self):
        folder = self.tmp / "annee-n"
        college = write_exports(
            folder, self.college, 2026,
            [eleve("101", "Hugo", "MARTIN", date(2012, 4, 4), "3A", self.ine),
             eleve("102", "Léa", "MARTIN", date(2014, 1, 2), "5B", None)],
            [personne("201", "Philippe", "MARTIN")], [lien("101", "201"), lien("102", "201")])
        lycee = write_exports(
            folder, self.lycee, 2026,
            [eleve("103", "Zoé", "DURAND", date(2009, 6, 30), "TERM 2", None)] + self.extras,
            [personne("203", "Paul", "DURAND")], [lien("103", "203")])
        return college, lycee

    def year_n1(self, name="annee-n1", truncated=False):
        """The rentrée's files: Hugo is in seconde at the lycée (new SIECLE
        ids there, same INE), Léa moved up, Zoé left on 4 July."""
        folder = self.tmp / name
        # A newcomer at the collège: Nina, whose father gave SIECLE his address.
        write_exports(folder, self.college, 2027,
                      [eleve("102", "Léa", "MARTIN", date(2014, 1, 2), "4A", None),
                       eleve("105", "Nina", "PETIT", date(2014, 3, 3), "4A", None)],
                      [personne("201", "Philippe", "MARTIN"), personne("205", "Marc", "PETIT", self.marc)],
                      [lien("102", "201"), lien("105", "205")])
        eleves = [eleve("7001", "Hugo", "MARTIN", date(2012, 4, 4), "2NDE3", self.ine)]
        if not truncated:
            eleves += [eleve("103", "Zoé", "DURAND", date(2009, 6, 30), "TERM 2", None, date_sortie=ZOE_LEFT)]
            eleves += self.extras
        write_exports(folder, self.lycee, 2027, eleves,
                      [personne("8001", "Philippe", "MARTIN"), personne("203", "Paul", "DURAND")],
                      [lien("7001", "8001"), lien("103", "203")])
        return folder


def open_service(platform, service, uai, is_open):
    rpc = platform.rpc()
    try:
        rpc.call(service, "set_opening", uai=uai, is_open=is_open, account_id=None)
    finally:
        rpc.close()


@pytest.fixture(scope="module")
def rentree_done(platform, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rentree")
    academie = Academie(tmp)
    clock = platform.clock
    rpc = platform.rpc()
    try:
        clock.move_to(YEAR_N)
        college_files, lycee_files = academie.year_n()
        import_files(rpc, college_files, academie.college, nom="COLLÈGE DU PONT", type_="college", commune="LILLE")
        import_files(rpc, lycee_files, academie.lycee, nom="LYCÉE DU PASSAGE", type_="lycee", commune="LILLE")
        letters = {**letters_by_name(rpc.call("accounts", "issue_letters", uai=academie.college)),
                   **letters_by_name(rpc.call("accounts", "issue_letters", uai=academie.lycee))}
        ids_n = {f"{e['prenom']} {e['nom']}": e["eleve_id"]
                 for uai in (academie.college, academie.lycee) for e in rpc.call("accounts", "list_eleves", uai=uai)}
        for uai in (academie.college, academie.lycee):
            rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
        rpc.call("lsl", "set_opening", uai=academie.lycee, is_open=True, account_id=None)
        activate(platform, letters["Philippe MARTIN"], "2012-04-04")
        activate(platform, letters["Paul DURAND"], "2009-06-30")
        activate(platform, letters["Hugo MARTIN"], "2012-04-04")
        hugo_home = login_again(platform, letters["Philippe MARTIN"]["identifiant"]).get(
            f"/eleve/{ids_n['Hugo MARTIN']}/").text

        # July: the LSL's replication says Zoé left (while accounts still knows her).
        clock.move_to(END_OF_YEAR_N)
        record = _record(academie.lycee, ["103"])
        record["eleves"][0]["date_sortie"] = ZOE_LEFT
        path = tmp / "lsl.xml"
        path.write_bytes(lsl_xml(record))
        replicate_file(rpc, academie.lycee, path)

        clock.move_to(RENTREE)
        folder = academie.year_n1()
        result = rentree.run(rpc, folder, 2027)
        ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"]
               for uai in (academie.college, academie.lycee) for e in rpc.call("accounts", "list_eleves", uai=uai)}
        yield {"academie": academie, "letters": letters, "ids_n": ids_n, "ids": ids, "result": result,
               "folder": folder, "hugo_home_n": hugo_home}
    finally:
        rpc.close()
        clock.set_offset(0)


def test_year_n_had_the_menus_its_establishments_opened(rentree_done):
    hugo = rentree_done["ids_n"]["Hugo MARTIN"]
    assert f'href="/eleve/{hugo}/notes/"' in rentree_done["hugo_home_n"]


def test_every_account_is_kept_and_hugo_follows_to_the_lycee(platform, rentree_done):
    letters, ids = rentree_done["letters"], rentree_done["ids"]
    rows = {r["uai"]: r for r in rentree_done["result"]["etablissements"]}
    lycee = rows[rentree_done["academie"].lycee]["counts"]
    assert lycee["suivis"] == 2 and lycee["comptes_crees"] == 0 and lycee["nouveaux"] == 1 and lycee["sortis"] == 1

    # The same identifiers and passwords as last year.
    father = login_again(platform, letters["Philippe MARTIN"]["identifiant"])
    enfants = text_of(father.get("/compte/enfants").text)
    assert "Hugo MARTIN" in enfants and "LYCÉE DU PASSAGE" in enfants
    assert "Léa MARTIN" in enfants and "COLLÈGE DU PONT" in enfants
    assert rentree_done["ids_n"]["Hugo MARTIN"] != ids["Hugo MARTIN"]
    assert father.get(f"/eleve/{rentree_done['ids_n']['Hugo MARTIN']}/").status_code == 404
    student = login_again(platform, letters["Hugo MARTIN"]["identifiant"])
    home = student.get("/", allow_redirects=True)
    assert home.url.endswith(f"/eleve/{ids['Hugo MARTIN']}/")
    assert "LYCÉE DU PASSAGE" in text_of(home.text) and "2NDE3" in text_of(home.text)


def test_menus_are_closed_until_the_establishment_opens_them_again(platform, rentree_done):
    lycee, hugo = rentree_done["academie"].lycee, rentree_done["ids"]["Hugo MARTIN"]
    father = login_again(platform, rentree_done["letters"]["Philippe MARTIN"]["identifiant"])
    home = father.get(f"/eleve/{hugo}/")
    assert f'href="/eleve/{hugo}/notes/"' not in home.text
    assert ("L'établissement d'Hugo n'a pas encore ouvert ses services en ligne pour l'année scolaire "
            "2027-2028.") in text_of(home.text)
    page = father.get(f"/eleve/{hugo}/notes/")
    assert page.status_code == 404
    assert "n'a pas ouvert la consultation des notes en ligne" in text_of(page.text)

    open_service(platform, "notes", lycee, True)
    try:
        # The gateway's workers drop the menu they kept when notes' notice
        # `opening_changed` reaches them, a moment after set_opening answers.
        home = wait_until(lambda: (page := father.get(f"/eleve/{hugo}/")).status_code == 200
                          and f'href="/eleve/{hugo}/notes/"' in page.text and page,
                          "the notes entry in Hugo's menu once the lycée opened notes", timeout=10, every=0.05)
        assert "n'a pas encore ouvert" not in text_of(home.text)
        assert father.get(f"/eleve/{hugo}/notes/").status_code == 200
    finally:
        open_service(platform, "notes", lycee, False)


def test_a_departure_keeps_the_lsl_for_five_months_and_nothing_else(platform, rentree_done):
    lycee, zoe = rentree_done["academie"].lycee, rentree_done["ids_n"]["Zoé DURAND"]
    paul = rentree_done["letters"]["Paul DURAND"]["identifiant"]
    # Notes open at the lycée this year: still nothing for a student who left.
    open_service(platform, "notes", lycee, True)
    try:
        father = login_again(platform, paul)
        home = father.get(f"/eleve/{zoe}/")
        assert home.status_code == 200
        assert "Zoé a quitté l'établissement le 04/07/2027" in text_of(home.text)
        assert f'href="/eleve/{zoe}/lsl/"' in home.text
        assert f'href="/eleve/{zoe}/notes/"' not in home.text
        assert father.get(f"/eleve/{zoe}/notes/").status_code == 404
        assert father.get(f"/eleve/{zoe}/lsl/").status_code == 200

        # The last day of the 5 months, then the day after.
        platform.clock.move_to(datetime(2027, 12, 4, 17, 0, tzinfo=timezone.utc))
        father = login_again(platform, paul)
        assert father.get(f"/eleve/{zoe}/lsl/").status_code == 200
        platform.clock.move_to(datetime(2027, 12, 5, 9, 0, tzinfo=timezone.utc))
        father = login_again(platform, paul)
        assert father.get(f"/eleve/{zoe}/lsl/").status_code == 404
        assert father.get(f"/eleve/{zoe}/").status_code == 404
        assert f"/eleve/{zoe}/" not in father.get("/", allow_redirects=True).text
    finally:
        platform.clock.move_to(RENTREE)
        open_service(platform, "notes", lycee, False)


def run_cli(platform, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, **platform.env, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8",
           "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "tools.rentree", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_the_same_rollover_again_changes_nothing(platform, rentree_done):
    result = run_cli(platform, "--annee", "2027", rentree_done["folder"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Rentrée 2027-2028" in out
    assert ("Total (2 établissements importés, 0 refusés) : élèves : 15, nouveaux : 0, sortis : 0, "
            "comptes conservés (changement d'établissement) : 0, comptes créés : 0, liens terminés : 0, "
            "inchangés : 15") in out
    assert "services ouverts pour l'année : aucun (l'établissement les ouvrira)" in out


def test_a_truncated_file_is_refused_and_changes_nothing(platform, rentree_done):
    academie = rentree_done["academie"]
    folder = academie.year_n1(name="tronque", truncated=True)
    rpc = platform.rpc()
    try:
        before = rpc.call("accounts", "list_eleves", uai=academie.lycee)
        result = rentree.run(rpc, folder, 2027)
        row = {r["uai"]: r for r in result["etablissements"]}[academie.lycee]
        assert row["refus"].startswith(f"Import refusé : il détacherait {EXTRA} des {EXTRA + 1} élèves")
        assert f"--confirmer {academie.lycee}" in row["refus"]
        assert rpc.call("accounts", "list_eleves", uai=academie.lycee) == before
    finally:
        rpc.close()


def test_staff_notify_a_class_by_email_and_print_letters_for_who_has_no_address(platform, rentree_done):
    college, marc = rentree_done["academie"].college, rentree_done["academie"].marc
    rpc = platform.rpc()
    try:
        staff = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": college, "fonction": "secretariat", "nom": "GREFFE",
            "prenom": "Alice"})
    finally:
        rpc.close()
    secretariat = activate(platform, staff)
    path = f"/admin/etablissement/{college}/lettres"

    page = secretariat.post_form(path, {"mode": "classe", "classe": "4A", "moyen": "courriel"})

    assert page.status_code == 200
    text = text_of(page.text)
    assert "Courriels envoyés (1)" in text and marc in text and "mot de passe provisoire" in text
    # Léa's father is in use: his letter would only recall his identifier; he has no address in SIECLE.
    assert "Sans adresse électronique : un courrier est nécessaire (3)" in text
    sans_adresse = page.text.split('id="sans-adresse"', 1)[1].split("</ul>", 1)[0]
    assert "Nina PETIT" in sans_adresse and "Léa MARTIN" in sans_adresse and "Philippe MARTIN" in sans_adresse

    mail = wait_for_mail(platform, marc, "Votre compte Scolarité services")[-1]
    identifiant = re.search(r"Identifiant\s*:\s*(\S+)", mail["text"]).group(1)
    password = re.search(r"Mot de passe provisoire\s*:\s*(\S+)", mail["text"]).group(1)
    father = activate(platform, {"identifiant": identifiant, "password": password, "role": "responsable"},
                      "2014-03-03")
    assert "Nina" in text_of(father.get("/compte/enfants").text)

    # Letters for the three without an address, and only them.
    letters = secretariat.post_form(path, {"mode": "personnes", "moyen": "courrier",
                                           "identifiants": page.text.split('name="identifiants" value="', 1)[1]
                                           .split('"', 1)[0]})
    assert letters.headers["Content-Type"] == "application/pdf"
    table = secretariat.get(path).text.split('id="historique"', 1)[1].split("</table>", 1)[0]
    rows = [tuple(text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", row))
            for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S) if "<td>" in row]
    today = [row for row in rows if row[0].startswith("01/09/2027")]
    assert (today[-1][1:]) == (identifiant, "courriel", f"courriel à {marc} : mot de passe provisoire")
    assert sorted(row[2] for row in today) == ["courriel", "courrier", "courrier", "courrier"]
