"""Issue 14 with the real parts, service side: accounts says who the viewer is,
the fiche keeps the requests, the mailer sends the confirmation to the local
SMTP catcher, on PostgreSQL (tests/fixtures.py E2E_BACKENDS). The pages over HTTP are in
test_fiche.py."""
import time
from datetime import datetime

import pytest

from common.clock import PARIS
from contract.errors import NotFound
from contract.fiche import ModificationsEnAttente
from tests.e2e.fiche_support import SERVICES, new_establishment
from tests.fixtures import E2E_BACKENDS, Platform

# A Monday, 10:00 in Paris: no quiet hours for the families' mails.
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)


@pytest.fixture(scope="module", params=E2E_BACKENDS)
def platform(request, vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"fiche-{request.param}"), SERVICES)
    p.start(SERVICES, gateway=False)
    yield p
    p.stop()


def mail_about(platform, address: str, subject_part: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        for message in platform.mailbox(to=address):
            if subject_part in message["subject"]:
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail « {subject_part} » to {address}: "
                                 f"{[m['subject'] for m in platform.mailbox(to=address)]}")
        time.sleep(0.1)


def activated(rpc, letter, birth, email) -> dict:
    """The account past its first connection: its child contexts, as the gateway builds them."""
    token = rpc.call("accounts", "login", identifiant=letter["identifiant"], password=letter["password"])["token"]
    token = rpc.call("accounts", "first_connection", token=token, form={
        "date_naissance": birth, "new_password": "valide2026", "new_password_confirm": "valide2026",
        "email": email, "email_confirm": email})["token"]
    view = rpc.call("accounts", "get_session", token=token)
    return {c["prenom"]: {"eleve_id": c["eleve_id"], "etablissement_uai": c["etablissement_uai"],
                          "viewer_account_id": view["id"], "viewer_role": view["role"],
                          "eleve_majeur": c["eleve_majeur"]} for c in view["children"]}


def test_changes_decided_by_the_school_reach_the_family_by_mail(platform, tmp_path):
    platform.clock.move_to(MONDAY)
    etab = new_establishment(platform, tmp_path)
    uai, letters = etab["uai"], etab["letters"]
    rpc = platform.rpc()
    try:
        philippe = activated(rpc, letters["Philippe MARTIN"], "2013-04-04", "philippe@example.org")["Hugo"]
        claire = activated(rpc, letters["Claire MARTIN"], "2013-04-04", "claire@example.org")["Hugo"]
        paul = activated(rpc, letters["Paul DURAND"], "2013-06-30", "paul@example.org")["Zoé"]

        page = rpc.call("fiche", "fiche", child=philippe)
        assert page["eleve"]["regime"] == "DEMI-PENSIONNAIRE AU TICKET"
        assert page["responsable"]["lien"] == "PÈRE"
        assert "Claire" not in str(page) and "FOCH" not in str(page)

        rpc.call("fiche", "submit_changes", child=philippe, onglet="eleve", changes={"tel_portable": "0698765432"})
        with pytest.raises(ModificationsEnAttente):
            rpc.call("fiche", "submit_changes", child=claire, onglet="eleve", changes={"prenom2": "Jean"})
        # A forged context naming a child not theirs: accounts does not vouch for it.
        with pytest.raises(NotFound):
            rpc.call("fiche", "fiche", child={**paul, "eleve_id": philippe["eleve_id"]})

        [dossier] = rpc.call("fiche", "dossiers", uai=uai)
        detail = rpc.call("fiche", "dossier", uai=uai, eleve_id=dossier["eleve_id"])
        [demande] = detail["en_attente"]
        assert (demande["libelle"], demande["avant"], demande["apres"]) == (
            "Téléphone portable", "", "06 98 76 54 32")
        rpc.call("fiche", "decide", uai=uai, eleve_id=dossier["eleve_id"], account_id=1,
                 decisions=[{"demande_id": demande["id"], "decision": "accepter"}])
        accepted = mail_about(platform, "philippe@example.org", "modifications acceptées")
        assert accepted["subject"] == "Fiche de renseignements – Hugo MARTIN\u00a0: modifications acceptées"
        assert "Téléphone portable\u00a0: 06 98 76 54 32" in accepted["text"]
        assert "COLLÈGE JEAN MOULIN" in accepted["text"]

        # Visible to both guardians; Claire's turn has come.
        tel = {c["champ"]: c for c in rpc.call("fiche", "fiche", child=claire)["eleve"]["champs"]}["tel_portable"]
        assert (tel["affichage"], tel["en_attente"]) == ("06 98 76 54 32", None)
        rpc.call("fiche", "submit_changes", child=claire, onglet="eleve", changes={"prenom2": "Jean"})
        [demande] = rpc.call("fiche", "dossier", uai=uai, eleve_id=dossier["eleve_id"])["en_attente"]
        rpc.call("fiche", "decide", uai=uai, eleve_id=dossier["eleve_id"], account_id=1,
                 decisions=[{"demande_id": demande["id"], "decision": "refuser",
                             "motif": "Joindre un extrait d'acte de naissance"}])
        refused = mail_about(platform, "claire@example.org", "modifications refusées")
        assert "Deuxième prénom\u00a0: Jean" in refused["text"]
        assert "Motif indiqué par l'établissement\u00a0: Joindre un extrait d'acte de naissance" in refused["text"]
        assert not [m for m in platform.mailbox(to="philippe@example.org") if "refusées" in m["subject"]]
        [decision] = rpc.call("fiche", "fiche", child=claire)["decisions"]
        assert (decision["etat"], decision["motif"]) == ("refusee", "Joindre un extrait d'acte de naissance")
    finally:
        rpc.close()


def test_an_adult_student_edits_their_own_fiche(platform, tmp_path):
    platform.clock.move_to(MONDAY)
    etab = new_establishment(platform, tmp_path)
    rpc = platform.rpc()
    try:
        lucas = activated(rpc, etab["letters"]["Lucas LEFEBVRE"], "2007-03-12", "lucas@example.org")["Lucas"]
        assert lucas["eleve_majeur"] and lucas["viewer_role"] == "eleve"
        page = rpc.call("fiche", "fiche", child=lucas)
        assert page["responsable"] is None
        assert {c["champ"]: c["affichage"] for c in page["eleve"]["champs"]}["naissance"] == "BERLIN (ALLEMAGNE)"
        rpc.call("fiche", "submit_changes", child=lucas, onglet="eleve", changes={"email": "lucas@example.org"})
        [dossier] = rpc.call("fiche", "dossiers", uai=etab["uai"])
        [demande] = rpc.call("fiche", "dossier", uai=etab["uai"], eleve_id=dossier["eleve_id"])["en_attente"]
        rpc.call("fiche", "decide", uai=etab["uai"], eleve_id=dossier["eleve_id"], account_id=1,
                 decisions=[{"demande_id": demande["id"], "decision": "accepter"}])
        assert "Courriel\u00a0: lucas@example.org" in mail_about(platform, "lucas@example.org", "acceptées")["text"]
        csv_text = rpc.call("fiche", "export_acceptees", uai=etab["uai"])["csv"]
        assert ";".join(["ELEVE", "1002", "", "LEFEBVRE", "Lucas", "MEL", "", "lucas@example.org"]) in csv_text
    finally:
        rpc.close()
