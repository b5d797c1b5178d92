"""`python -m tools.import_siecle`, end to end: the command as an operator runs
it, against the real accounts service (both database backends), with the
SIECLE fixtures of services/accounts/tests/fixtures/ given each test's own UAI."""
import io
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from common.config import ROOT
from common.errors import NotFound
from tests.helpers import letters_by_name

FIXTURES = ROOT / "services" / "accounts" / "tests" / "fixtures"
FIXTURE_UAI = b"<UAJ>0599999X</UAJ>"


def new_uai() -> str:
    return f"{uuid.uuid4().int % 10**7:07d}B"


def exports(tmp_path: Path, uai: str, responsables="ResponsablesAvecAdresses.xml", edit=None) -> list[Path]:
    """The establishment's files as it would download them: the students'
    export zipped, the guardians' as XML; `edit(name, data)` changes them."""
    out = tmp_path / uuid.uuid4().hex[:6]
    out.mkdir()
    files = []
    for name in ("ElevesSansAdresses.xml", responsables):
        data = (FIXTURES / name).read_bytes().replace(FIXTURE_UAI, f"<UAJ>{uai}</UAJ>".encode())
        if edit:
            data = edit(name, data)
        if name.startswith("Eleves"):
            path = out / "ExportXML_ElevesSansAdresses.zip"
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr(name, data)
        else:
            path = out / name
            path.write_bytes(data)
        files.append(path)
    return files


def run_cli(platform, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "AMQP_URI": platform.amqp_uri, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8",
           "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "tools.import_siecle", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def first_import(platform, tmp_path, uai, **kwargs):
    result = run_cli(platform, "--uai", uai, "--nom", "COLLÈGE DES ÉTANGS", "--type", "college",
                     "--commune", "LOMME", *exports(tmp_path, uai, **kwargs))
    assert result.returncode == 0, result.stderr
    return result.stdout


def session_of(rpc, letter) -> dict:
    token = rpc.call("accounts", "login", identifiant=letter["identifiant"], password=letter["password"])["token"]
    return rpc.call("accounts", "get_session", token=token)


def assert_nothing_imported(platform, *uais):
    rpc = platform.rpc()
    try:
        for uai in uais:
            with pytest.raises(NotFound):
                rpc.call("accounts", "get_etablissement", uai=uai)
    finally:
        rpc.close()


def test_import_creates_accounts_and_reports_every_skip_with_its_reason(platform, tmp_path):
    uai = new_uai()
    out = first_import(platform, tmp_path, uai)

    assert f"Import SIECLE : COLLÈGE DES ÉTANGS ({uai}, collège), année scolaire 2025-2026" in out
    assert "ExportXML_ElevesSansAdresses.zip (ElevesSansAdresses.xml) : fichier des élèves" in out
    created = out.split("Créés :")[1].split("Mis à jour")[0]
    for line in ("élèves : 4", "comptes élèves : 4", "responsables : 4", "comptes responsables : 4",
                 "liens élève – responsable : 6"):
        assert f"  {line}\n" in created
    # Unreadable in the file (the parser), refused by the schema or the rules (the service).
    for line in (
        "- élève 100105 (Noël GARÇON) : date de naissance absente",
        "- élève 100108 (Timothée ROUSSEAU) : date de naissance illisible « 31/02/2013 »",
        "- élève 100104 (Jérôme PETIT) : sorti de l'établissement le 31/01/2020",
        "- élève 100107 (Élise LEBŒUF) : refusé : INE : 11 caractères au maximum.",
        "- personne 200203 (Odette MARTIN) : personne à contacter seulement (niveau 3) : pas de compte",
        "- personne 200206 (Karim BENSAÏD) : personne en charge de l'élève, pas représentant légal (niveau 2) : "
        "pas de compte",
        "- lien élève 100104 – personne 200205 : élève sorti de l'établissement",
        "- lien élève 100107 – personne 200211 : élève écarté (voir plus haut)",
        "- lien élève 100199 – personne 200201 : élève absent du fichier des élèves",
        "- lien élève 100102 – personne 200208 : niveau de responsabilité inconnu « 7 »",
        "- personne 200208 (Josiane LEROY) : représentant légal d'aucun élève actif : pas de compte",
    ):
        assert line in out
    assert "Ignorés : 17" in out

    rpc = platform.rpc()
    try:
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        assert set(letters) == {"Hugo MARTIN", "Léa MARTIN", "Zoé DURAND", "Maëlys FRANÇOIS",
                                "Philippe MARTIN", "Claire MARTIN", "Paul DURAND", "Stéphane FRANÇOIS"}
        philippe = session_of(rpc, letters["Philippe MARTIN"])
        assert sorted((c["prenom"], c["classe"], c["date_naissance"]) for c in philippe["children"]) == [
            ("Hugo", "5 A", "2012-04-04"), ("Léa", "6 B", "2014-01-02")]
        assert {c["etablissement_nom"] for c in philippe["children"]} == {"COLLÈGE DES ÉTANGS"}
        zoe = session_of(rpc, letters["Zoé DURAND"])
        assert (zoe["nom"], zoe["children"][0]["classe"]) == ("DURAND", "5 A")
        assert session_of(rpc, letters["Maëlys FRANÇOIS"])["children"][0]["classe"] is None
    finally:
        rpc.close()


def test_reimport_updates_instead_of_duplicating_and_needs_only_the_uai(platform, tmp_path):
    uai = new_uai()
    first_import(platform, tmp_path, uai)
    rpc = platform.rpc()
    try:
        before = {letter["identifiant"] for letter in rpc.call("accounts", "issue_letters", uai=uai)}

        # Next year's files: Léa moved up to 5 B. The establishment is known now.
        moved = exports(tmp_path, uai, edit=lambda name, data: data.replace(b">6 B<", b">5 B<"))
        result = run_cli(platform, "--uai", uai, *moved)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "COLLÈGE DES ÉTANGS" in out
        assert "Créés : aucun" in out
        updated = out.split("Mis à jour :")[1].split("Inchangés")[0]
        # Only what changed is counted as updated.
        assert "  élèves : 1\n" in updated and "responsables" not in updated
        unchanged = out.split("Inchangés :")[1].split("Ignorés")[0]
        assert "  élèves : 3\n" in unchanged and "  responsables : 4\n" in unchanged

        letters = rpc.call("accounts", "issue_letters", uai=uai)
        assert {letter["identifiant"] for letter in letters} == before
        philippe = session_of(rpc, letters_by_name(letters)["Philippe MARTIN"])
        assert sorted((c["prenom"], c["classe"]) for c in philippe["children"]) == [("Hugo", "5 A"), ("Léa", "5 B")]
    finally:
        rpc.close()


def test_a_student_who_left_is_skipped_with_the_reason_and_no_longer_seen(platform, tmp_path):
    uai = new_uai()
    first_import(platform, tmp_path, uai)
    rpc = platform.rpc()
    try:
        paul = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))["Paul DURAND"]
        assert [c["prenom"] for c in session_of(rpc, paul)["children"]] == ["Zoé"]

        def zoe_leaves(name, data):
            return data.replace("<DATE_NAISS> 30/06/2013 </DATE_NAISS>".encode(),
                                b"<DATE_NAISS>30/06/2013</DATE_NAISS><DATE_SORTIE>01/10/2025</DATE_SORTIE>")

        result = run_cli(platform, "--uai", uai, *exports(tmp_path, uai, edit=zoe_leaves))
        assert result.returncode == 0, result.stderr
        assert "élèves sortis (liens terminés, comptes conservés) : 1" in result.stdout
        assert "- élève 100103 (Zoé DURAND) : sorti de l'établissement le 01/10/2025" in result.stdout
        # More than 5 months ago (FAQ LSL): the family no longer sees her.
        assert session_of(rpc, paul)["children"] == []
    finally:
        rpc.close()


def test_links_in_the_format_before_2018_give_accounts_to_both_legal_representatives(platform, tmp_path):
    uai = new_uai()
    out = first_import(platform, tmp_path, uai, responsables="ResponsablesAvant2018.xml")
    assert "- personne 200203 (Odette MARTIN) : personne à contacter seulement (niveau 3) : pas de compte" in out
    rpc = platform.rpc()
    try:
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
        assert {"Philippe MARTIN", "Claire MARTIN", "Paul DURAND"} <= set(letters)
        assert "Odette MARTIN" not in letters and "Karim BENSAÏD" not in letters
        claire = session_of(rpc, letters["Claire MARTIN"])  # RESP_LEGAL 2
        assert sorted(c["prenom"] for c in claire["children"]) == ["Hugo", "Léa"]
    finally:
        rpc.close()


def test_uai_mismatch_is_refused_and_changes_nothing(platform, tmp_path):
    theirs, ours = new_uai(), new_uai()
    result = run_cli(platform, "--uai", ours, "--nom", "COLLÈGE DES ÉTANGS", "--type", "college",
                     *exports(tmp_path, theirs))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Import annulé : Le fichier ExportXML_ElevesSansAdresses.zip (ElevesSansAdresses.xml) est l'export "
        f"de l'établissement {theirs}, pas de {ours}. Rien n'a été importé.")
    assert result.stdout == ""
    assert_nothing_imported(platform, ours, theirs)


def zip_of(*members) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("ElevesSansAdresses.xml", "NOM;PRÉNOM;DATE\nMARTIN;Léa;02/01/2014\n".encode("iso-8859-15"),
     "Le fichier ElevesSansAdresses.xml n'est pas un fichier XML lisible"),
    ("Eleves.xml", b'<?xml version="1.0" encoding="ISO-8859-15"?><BEE_NOMENCLATURES VERSION="3.1"/>',
     "Le fichier Eleves.xml est Nomenclature.xml (élément racine BEE_NOMENCLATURES)"),
    ("ExportXML_ElevesSansAdresses.zip", zip_of(("LISEZMOI.txt", b"vide")),
     "L'archive ExportXML_ElevesSansAdresses.zip ne contient aucun fichier XML."),
    ("ExportXML_ElevesSansAdresses.zip", zip_of(("a.xml", b"<BEE_ELEVES/>"), ("b.xml", b"<BEE_ELEVES/>")),
     "L'archive ExportXML_ElevesSansAdresses.zip contient plusieurs fichiers XML (a.xml, b.xml)"),
], ids=["not-xml", "wrong-root", "zip-without-xml", "zip-with-two-xml"])
def test_a_bad_file_is_refused_in_french_before_anything_is_imported(platform, tmp_path, name, content, message):
    uai = new_uai()
    bad = tmp_path / name
    bad.write_bytes(content)
    responsables = exports(tmp_path, uai)[1]
    result = run_cli(platform, "--uai", uai, "--nom", "COLLÈGE DES ÉTANGS", "--type", "college", bad, responsables)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Import annulé : {message}")
    assert "Rien n'a été importé." in result.stderr
    assert "Traceback" not in result.stderr
    assert_nothing_imported(platform, uai)


def test_a_first_import_needs_the_establishment_name_and_type(platform, tmp_path):
    uai = new_uai()
    result = run_cli(platform, "--uai", uai, *exports(tmp_path, uai))
    assert result.returncode == 1
    assert (f"L'établissement {uai} n'est pas encore connu : indiquez son nom (--nom) et son type "
            "(--type college ou lycee)") in result.stderr
    assert_nothing_imported(platform, uai)
