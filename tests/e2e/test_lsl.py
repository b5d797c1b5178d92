"""Issue 16 across the real services (accounts, mailer, lsl, the gateway for
first connections): the replication file through the CLI's code path, the
family's requests decided by the school with the mails in the catcher, and
who acts across an 18th birthday as the clock moves."""
import time
import uuid
from datetime import timedelta

import pytest

from common.errors import Forbidden
from gateway.composition import child_context
from tests.e2e.test_notes import activate
from tests.helpers import family_payload, letters_by_name
from tools.import_lsl import ReplicationRefused, replicate_file
from tools.lsl_writer import lsl_xml

MATIERES = [("061300", "Mathématiques", "Enseignements obligatoires")]
COMPETENCES = [("0022", "Raisonner, démontrer")]


def _record(uai, eleves):
    evaluation = {"code": "061300", "modalite": "S", "structure": (28, "11.40", "14.29", "42.86", "42.85"),
                  "appreciation": "Travail régulier, des progrès réels.", "periodes": ["12.00", "13.00", "14.00"],
                  "competences": [("0022", "3")], "enseignants": [("DUPONT", "Marie")]}
    return {"uai": uai, "matieres": MATIERES, "competences": COMPETENCES, "eleves": [
        {"id": siecle, "annees": [{"annee": 2025, "classe": "1RE 2", "evaluations": [evaluation]},
                                  {"annee": 2026, "classe": "TERM 2", "evaluations": [evaluation]}],
         "historique": [("6EME", 2019, "COLLÈGE JEAN MOULIN", "WATTIGNIES")]} for siecle in eleves]}


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
    """A lycée of its own: Hugo turns 18 in five days, Zoé is another family's."""
    uai = f"{uuid.uuid4().int % 10**7:07d}L"
    today = platform.clock.today()
    payload = family_payload(uai=uai, nom="LYCÉE DU LIVRET", type_="lycee")
    hugo_birth = (today + timedelta(days=5)).replace(year=today.year - 18)
    payload["eleves"][0].update(date_naissance=hugo_birth.isoformat(), classe="TERM 2")
    rpc = platform.rpc()
    rpc.call("accounts", "import_siecle", payload=payload)
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    ids = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in rpc.call("accounts", "list_eleves", uai=uai)}
    path = tmp_path_factory.mktemp("lsl") / f"lsl-{uai}.xml"
    path.write_bytes(lsl_xml(_record(uai, ["101", "103"])))
    report = replicate_file(rpc, uai, path)
    assert report["eleves"] == {"crees": 2, "modifies": 0, "inchanges": 0}
    rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
    rpc.close()
    yield {"uai": uai, "letters": letters, "ids": ids, "hugo_birth": hugo_birth, "path": path}
    platform.clock.set_offset(0)


def session_contexts(platform, identifiant, password="valide2026"):
    rpc = platform.rpc()
    try:
        token = rpc.call("accounts", "login", identifiant=identifiant, password=password)["token"]
        view = rpc.call("accounts", "get_session", token=token)
    finally:
        rpc.close()
    author = {"prenom": view["prenom"], "nom": view["nom"], "email": view["email"]}
    return {f"{c['prenom']} {c['nom']}": child_context(view, c) for c in view["children"]}, author


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


def test_requests_decided_by_the_school_reach_the_family_by_mail_and_the_adult_acts_alone(platform, lycee):
    philippe = lycee["letters"]["Philippe MARTIN"]
    activate(platform, philippe, lycee["hugo_birth"].isoformat())
    contexts, author = session_contexts(platform, philippe["identifiant"])
    hugo = contexts["Hugo MARTIN"]
    assert hugo["eleve_majeur"] is False
    rpc = platform.rpc()
    try:
        made = rpc.call("lsl", "request", child=hugo, demande={
            "type": "rectification", "partie": "enseignements", "objet": "La moyenne de mathématiques est fausse.",
            "commentaire": ""}, auteur=author)
        opposition = rpc.call("lsl", "request", child=hugo, demande={"type": "opposition"}, auteur=author)
        pending = rpc.call("lsl", "school_requests", uai=lycee["uai"], etat="en_attente")
        assert [(d["eleve"], d["libelle"]) for d in pending] == [
            ("Hugo MARTIN", "Opposition à la transmission du livret au jury du baccalauréat"),
            ("Hugo MARTIN", "Rectification : Enseignements")]
        rpc.call("lsl", "decide", uai=lycee["uai"], demande_id=made["id"], decision="acceptee",
                 reponse="Corrigée.", account_id=1)
        rpc.call("lsl", "decide", uai=lycee["uai"], demande_id=opposition["id"], decision="refusee",
                 reponse="", account_id=1)
    finally:
        rpc.close()
    accepted = wait_for_mail(platform, author["email"], "demande acceptée")
    refused = wait_for_mail(platform, author["email"], "demande refusée")
    assert accepted[0]["subject"] == "Livret scolaire du lycée – Hugo MARTIN : demande acceptée"
    assert "Rectification : Enseignements" in accepted[0]["text"] and "Corrigée." in accepted[0]["text"]
    assert "Opposition à la transmission du livret au jury du baccalauréat" in refused[0]["text"]

    # Five days later Hugo is 18: his guardian no longer acts for him; he does.
    platform.clock.advance(timedelta(days=6))
    contexts, author = session_contexts(platform, philippe["identifiant"])
    assert contexts["Hugo MARTIN"]["eleve_majeur"] is True
    rpc = platform.rpc()
    try:
        with pytest.raises(Forbidden) as exc:
            rpc.call("lsl", "request", child=contexts["Hugo MARTIN"], demande={"type": "opposition"}, auteur=author)
        assert exc.value.args[0] == "L'élève est majeur : c'est à lui de faire cette demande, depuis son propre compte."
    finally:
        rpc.close()
    hugo_letter = lycee["letters"]["Hugo MARTIN"]
    activate(platform, hugo_letter, lycee["hugo_birth"].isoformat())
    contexts, author = session_contexts(platform, hugo_letter["identifiant"])
    rpc = platform.rpc()
    try:
        made = rpc.call("lsl", "request", child=contexts["Hugo MARTIN"], demande={"type": "opposition"},
                        auteur=author)
        assert made["auteur_role"] == "eleve"
    finally:
        rpc.close()
