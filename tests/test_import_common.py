"""What every back-office import tool shares (tools/import_common.py), as an
operator meets it: a spreadsheet's file read whatever its separator and
encoding, a refusal on stderr with exit code 1, a service that is not there
said in French (on a broker where it never started), the report and its exit
code on stdout. Each tool's own imports run against the real services in
tests/e2e/ and tests/test_import_siecle.py."""
import os
import subprocess
import sys

import pytest

from common.config import ROOT
from tools.import_common import ImportRefused, read_csv, run


def cli(tool, *args, amqp_uri="amqp://guest:guest@127.0.0.1:5672/"):
    env = {**os.environ, "AMQP_URI": amqp_uri, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", f"tools.{tool}", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)


def test_a_spreadsheets_file_is_read_with_its_separator_encoding_and_usual_headers(tmp_path):
    windows = tmp_path / "matieres.csv"
    windows.write_bytes("Code;Libellé matière\r\nFR;Français\r\n\r\nHG;Histoire-géographie\r\n".encode("cp1252"))
    assert read_csv(windows, ("code", "libelle"), ("code", "libelle")) == [
        {"code": "FR", "libelle": "Français", "ligne": 2}, {"code": "HG", "libelle": "Histoire-géographie", "ligne": 4}]
    utf8 = tmp_path / "offres.csv"
    utf8.write_text("\ufeffcode,libelle\nLV1,Anglais\n", encoding="utf-8")
    assert read_csv(utf8, ("code", "libelle"), ("code",)) == [{"code": "LV1", "libelle": "Anglais", "ligne": 2}]


@pytest.mark.parametrize("content, message", [
    ("code;libelle\nFR;Français;en trop\n",
     "matieres.csv, ligne 2 : plus de cellules que de colonnes (un séparateur en trop ?). Rien n'a été importé."),
    ("code;nom\nFR;Français\n",
     "matieres.csv, ligne 1 (en-tête) : colonne(s) inconnue(s) : nom ; colonne(s) manquante(s) : libelle. "
     "Colonnes attendues : code, libelle."),
    ("code;libelle\n", "matieres.csv : aucune ligne à importer après l'en-tête."),
])
def test_a_file_that_does_not_fit_is_refused_naming_the_line(tmp_path, content, message):
    path = tmp_path / "matieres.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        read_csv(path, ("code", "libelle"), ("code", "libelle"))
    assert str(refused.value) == message


def test_a_refusal_goes_to_stderr_with_exit_code_1_and_nothing_is_sent(tmp_path):
    result = cli("import_fiche", "--uai", "59001", tmp_path / "ElevesSansAdresses.xml",
                 amqp_uri="amqp://guest:guest@127.0.0.1:1/")
    assert result.returncode == 1
    assert result.stderr.strip() == "Import annulé : Code UAI invalide : 59001 (7 chiffres et une lettre)."
    assert result.stdout == ""


def test_the_report_is_printed_with_its_exit_code(capsys):
    assert run("test", lambda rpc: ("Import SIECLE : refusé", 2), service="des comptes") == 2
    assert run("test", lambda rpc: "Import des notes : établissement 0599001A", service="des notes") == 0
    assert capsys.readouterr().out.splitlines() == ["Import SIECLE : refusé",
                                                    "Import des notes : établissement 0599001A"]


def test_a_service_that_never_started_is_named_in_french(vhosts, tmp_path):
    broker = vhosts.new("import-common")
    campagne = cli("import_bourses", "campagne", "--annee", "2026", "--niveau", "college", "--ouverture", "01/09/2026",
                   "--cloture", "15/10/2026", amqp_uri=broker)
    assert campagne.returncode == 1
    assert campagne.stderr.strip() == "Le service bourses n'est pas déployé."
    notes = tmp_path / "matieres.csv"
    notes.write_text("code;libelle\nFR;Français\n", encoding="utf-8")
    imported = cli("import_notes", "--uai", "0599001A", "--matieres", notes, amqp_uri=broker)
    assert imported.returncode == 1
    assert imported.stderr.strip() == "Import annulé : Le service des notes n'est pas démarré : rien n'a été importé."
