"""Issue 15 across real processes: the vie scolaire service, accounts and the
mailer on RabbitMQ, each with its own database. Events come in through the
documented files and the import CLI's code path, are shown at J+1 by their
flags as the clock moves, a guardian's online justification is accepted and
another refused and both mails are read back from the local catcher; the demo
gives the stories their term."""
import subprocess
import sys
import time
import uuid
from datetime import datetime

import pytest

from common.clock import PARIS
from common.config import ROOT
from tests.fixtures import Platform
from tests.helpers import family_payload
from tools import demo
from tools.import_vie_scolaire import import_files

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "vie_scolaire": {"label": "Vie scolaire", "order": 30}}
# A Tuesday morning in term: the school's answers are mailed at once (the
# right to disconnect holds family mails from 20:00 to 07:00 and at weekends).
TUESDAY = datetime(2026, 11, 10, 10, 0, tzinfo=PARIS)
EVENTS_HEADER = "ref;eleve;nature;debut;fin;minutes;motif;type;duree;sursis;detail;justifiee;publiable_en_ligne;" \
                "famille_avisee;saisie_le;annulation"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cluster(request, vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"viesco-{request.param}"), SERVICES)
    p.start(SERVICES, gateway=False)
    p.clock.move_to(TUESDAY)
    yield p
    p.stop()


def write_csv(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def child_of(eleve_id, uai, role="responsable", account_id=900, majeur=False):
    return {"eleve_id": eleve_id, "etablissement_uai": uai, "viewer_account_id": account_id,
            "viewer_role": role, "eleve_majeur": majeur}


def wait_for_mail(platform, to, subject_part):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in platform.mailbox(to=to):
            if subject_part in message["subject"]:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail «{subject_part}» to {to}")


@pytest.fixture(scope="module")
def school(cluster, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    uai = f"{uuid.uuid4().int % 10**7:07d}V"
    rpc = cluster.rpc()
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai, nom="COLLÈGE DE LA VIE SCOLAIRE"))
    ids = {e["siecle_eleve_id"]: e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
    files = {
        "motifs": write_csv(tmp, "motifs.csv", ["code;libelle;parents", "MAL;Maladie;oui", "REV;Panne de réveil;non"]),
        "punitions": write_csv(tmp, "punitions.csv", ["Code;Libellé", "RET;Retenue"]),
        "periodes": write_csv(tmp, "periodes.csv", ["classe;numero;libelle;debut;fin",
                                                    ";1;1er trimestre;01/09/2026;30/11/2026",
                                                    ";2;2e trimestre;01/12/2026;28/02/2027",
                                                    ";3;3e trimestre;01/03/2027;04/07/2027"]),
        "evenements": write_csv(tmp, "evenements.csv", [
            EVENTS_HEADER,
            "A1;101;absence;09/11/2026 08:00;09/11/2026 17:00;;;;;;;non;oui;;09/11/2026 18:00;",
            "A2;101;absence;10/11/2026 08:00;10/11/2026 09:00;;;;;;;non;oui;;;",
            "S1;101;sanction;09/11/2026 11:00;;;;BLAME;;;Insolence;;;non;09/11/2026 18:00;",
            "P1;101;punition;09/11/2026 16:00;;;;RET;;;Travail non fait;;oui;;09/11/2026 18:00;",
            "Z1;103;absence;09/11/2026 08:00;09/11/2026 11:00;;;;;;;non;oui;;09/11/2026 18:00;",
        ]),
    }
    report = import_files(rpc, uai, files, demi_journee="12:00")
    assert report["evenements"] == {"crees": 5, "corriges": 0, "inchanges": 0, "annules": 0}
    rpc.call("vie_scolaire", "set_opening", uai=uai, is_open=True, account_id=None)
    rpc.close()
    return {"uai": uai, "ids": ids, "tmp": tmp}


def test_a_refused_file_lists_its_lines_and_imports_nothing(cluster, school):
    bad = write_csv(school["tmp"], "mauvais.csv", [
        EVENTS_HEADER,
        "B1;101;absence;12/11/2026 08:00;12/11/2026 07:00;;;;;;;non;oui;;;",
        "B2;101;sanction;12/11/2026 08:00;;;;EXCLUSION_TEMPORAIRE;12;;;;;oui;;",
    ])
    run = subprocess.run([sys.executable, "-m", "tools.import_vie_scolaire", "--uai", school["uai"], str(bad)],
                         cwd=ROOT, env={**cluster.env, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Ligne 2, colonne « fin » : la fin doit être après le début." in run.stderr
    assert "Ligne 3, colonne « duree » : Exclusion temporaire de l'établissement ou d'un service annexe : " \
           "8 jours au plus" in run.stderr
    rpc = cluster.rpc()
    try:
        assert rpc.call("vie_scolaire", "alerts", uai=school["uai"])["eleves"] == []
    finally:
        rpc.close()


def test_shown_the_next_day_then_justified_online_accepted_and_refused_with_mails(cluster, school):
    uai, hugo = school["uai"], school["ids"]["101"]
    rpc = cluster.rpc()
    try:
        # Tuesday: Monday's absence and punishment, entered on Monday, are shown; today's absence is
        # not (tomorrow); the sanction is not either (famille pas avisée).
        period = rpc.call("vie_scolaire", "page", child=child_of(hugo, uai))["periodes"][0]
        assert [(line["debut"][:10], line["demi_journees"]) for line in period["evenements"]["absence"]] == [
            ("2026-11-09", 2)]
        assert period["evenements"]["sanction"] == [] and len(period["evenements"]["punition"]) == 1
        cluster.clock.move_to(datetime(2026, 11, 11, 10, 0, tzinfo=PARIS))
        period = rpc.call("vie_scolaire", "page", child=child_of(hugo, uai))["periodes"][0]
        assert period["totaux"]["demi_journees_non_justifiees"] == 3
        a2, a1 = (line["id"] for line in period["evenements"]["absence"])

        auteur = {"email": "claire.martin@example.org", "prenom": "Claire", "nom": "MARTIN", "eleve_prenom": "Hugo",
                  "eleve_nom": "MARTIN", "etablissement_nom": "COLLÈGE DE LA VIE SCOLAIRE"}
        for absence_id in (a1, a2):
            rpc.call("vie_scolaire", "justify", child=child_of(hugo, uai), evenement_id=absence_id,
                     form={"motif": "MAL", "commentaire": "Fièvre"}, auteur=auteur)
        pending = {p["debut"][:10]: p["id"] for p in rpc.call("vie_scolaire", "pending_justifications", uai=uai)}
        rpc.call("vie_scolaire", "decide_justification", uai=uai, justification_id=pending["2026-11-09"],
                 decision={"accepter": True}, account_id=1)
        rpc.call("vie_scolaire", "decide_justification", uai=uai, justification_id=pending["2026-11-10"],
                 decision={"accepter": False, "raison": "Hugo était présent en cours à 8 h 30."}, account_id=1)

        accepted = wait_for_mail(cluster, "claire.martin@example.org", "justification d'absence acceptée")
        assert "Hugo MARTIN" in accepted["subject"]
        assert "le 09/11/2026 de 8 h 00 à 17 h 00" in accepted["text"]
        refused = wait_for_mail(cluster, "claire.martin@example.org", "justification d'absence refusée")
        assert "Hugo était présent en cours à 8 h 30." in refused["text"]

        period = rpc.call("vie_scolaire", "page", child=child_of(hugo, uai))["periodes"][0]
        assert [line["justification"]["etat"] for line in period["evenements"]["absence"]] == ["refusee", "justifiee"]
        assert period["totaux"]["demi_journees_non_justifiees"] == 1
    finally:
        rpc.close()


def test_the_demo_gives_the_stories_their_term(cluster, tmp_path_factory):
    var = tmp_path_factory.mktemp("demo-var")
    rpc = cluster.rpc(timeout=120)
    try:
        demo.build(rpc, var, cluster.clock, services=["accounts", "vie_scolaire"])
        eleves = {e["siecle_eleve_id"]: e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai="0599001A")}
        page = rpc.call("vie_scolaire", "page", child=child_of(eleves["1001"], "0599001A"))
        lycee = {e["siecle_eleve_id"]: e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai="0599003C")}
        lucas = rpc.call("vie_scolaire", "page", child=child_of(lycee["3002"], "0599003C", role="eleve",
                                                                  majeur=True))
        alerts = rpc.call("vie_scolaire", "alerts", uai="0599003C")
    finally:
        rpc.close()
    shown = {kind: lines for p in page["periodes"] for kind, lines in p["evenements"].items() if lines}
    assert sorted(shown) == ["absence", "punition", "retard", "sanction"]
    assert [line["type"] for line in shown["sanction"]] == ["Avertissement"]
    assert any(line["peut_justifier"] for line in shown["absence"])
    assert [p["libelle"] for p in lucas["periodes"]] == ["1er semestre", "2e semestre"]
    assert lucas["peut_justifier"] is True
    assert {"eleve_id": lycee["3002"], "demi_journees": 4} in alerts["eleves"]
