"""The mailer as people meet it through the gateway: a newcomer follows a
confirmation link from the development page, and establishment staff see
what was sent to their families, never the links that open an account."""
import re
import time
from html import unescape

import pytest

from common.mail import mail_request, send_mail
from tests.e2e.accounts_support import first_connection, follow, new_establishment, wait_for_mail
from tests.helpers import WebUser, text_of
from tools.mailcatcher import Mailbox

HREF = re.compile(r'<a href="([^"]+)"')


def settled(platform, request_ids, timeout=20):
    """The outbox entries once none is waiting for its first attempt."""
    rpc = platform.rpc()
    try:
        deadline = time.monotonic() + timeout
        while True:
            entries = rpc.call("mailer", "status", request_ids=request_ids)
            if all(e["status"] != "queued" for e in entries) or time.monotonic() > deadline:
                return entries
            time.sleep(0.1)
    finally:
        rpc.close()


def activated_staff(platform, uai):
    rpc = platform.rpc()
    try:
        staff = rpc.call("accounts", "create_staff_account", payload={
            "role": "staff", "etablissement_uai": uai, "fonction": "secretariat", "nom": "SECRÉTARIAT",
            "prenom": "Sophie"})
    finally:
        rpc.close()
    user = WebUser(platform.base_url)
    user.login(staff["identifiant"], staff["password"])
    page = user.post_form("/premiere-connexion", {"new_password": "bureau2026", "new_password_confirm": "bureau2026"})
    assert "Première connexion" not in text_of(page.text)
    return user


def test_a_newcomer_follows_the_confirmation_link_from_the_development_page(platform):
    school = new_establishment(platform)
    email = f"philippe.{school['uai'].lower()}@example.org"
    user, _ = first_connection(platform, school["letters"]["Philippe MARTIN"], "2012-04-04", email=email)
    wait_for_mail(platform, email)

    listing = WebUser(platform.base_url).get("/dev/courriels/")
    assert listing.status_code == 200
    row = next(r for r in re.findall(r"<tr>.*?</tr>", listing.text, flags=re.S) if email in unescape(r))
    assert "Confirmez votre adresse électronique – Scolarité services" in unescape(row)

    message = user.get(HREF.search(row).group(1))
    assert message.status_code == 200
    assert 'sandbox="allow-top-navigation-by-user-activation"' in message.text  # the HTML part, sandboxed
    link = next(unescape(href) for href in HREF.findall(message.text) if "/confirmation" in href)
    confirmed = follow(user, link)
    assert confirmed.status_code == 200
    assert "Adresse électronique confirmée" in text_of(confirmed.text)


def test_staff_see_what_was_sent_to_their_families_with_failures_and_never_a_link(platform):
    school, other = new_establishment(platform), new_establishment(platform)
    uai = school["uai"]
    refused_address = f"inconnu.{uai.lower()}@example.org"
    mailbox = Mailbox(platform.mail_dir)
    mailbox.answer(recipients={refused_address: "550"})
    try:
        requests = [
            mail_request("confirmation_adresse", f"claire.{uai.lower()}@example.org", {
                "prenom": "Claire", "nom": "MARTIN", "identifiant": "cmartin9",
                "lien": "https://scolarite.example/confirmation/JETON-SECRET-42", "valide_jusqu_au": "2027-02-27"},
                to_name="Claire MARTIN", etablissement_uai=uai),
            mail_request("mot_de_passe_modifie", refused_address, {
                "prenom": "Paul", "nom": "DURAND", "identifiant": "pdurand9",
                "date_modification": "2026-11-27T09:00:00+00:00"}, etablissement_uai=uai),
            mail_request("mot_de_passe_modifie", f"ailleurs.{uai.lower()}@example.org", {
                "prenom": "Zoé", "nom": "AILLEURS", "identifiant": "zailleurs9",
                "date_modification": "2026-11-27T09:00:00+00:00"}, etablissement_uai=other["uai"]),
        ]
        rpc = platform.rpc()
        try:
            send_mail(rpc, *requests)
        finally:
            rpc.close()
        entries = settled(platform, [r["request_id"] for r in requests])
    finally:
        mailbox.answer()
    assert [e["status"] for e in entries] == ["sent", "failed", "sent"]

    staff = activated_staff(platform, uai)
    assert staff.get("/admin/courriels").url.endswith(f"/admin/etablissement/{uai}/courriels")
    page = staff.last
    text = text_of(page.text)
    assert f"claire.{uai.lower()}@example.org" in text and "Envoyé" in text
    assert "Confirmez votre adresse électronique – Scolarité services" in text
    assert refused_address in text
    assert "Échec" in text and "Motif : 550 5.1.1 Mailbox unavailable (mail catcher)" in text
    assert f"ailleurs.{uai.lower()}@example.org" not in text  # another establishment's family
    assert "JETON-SECRET-42" not in page.text

    failed_only = text_of(staff.get(f"/admin/etablissement/{uai}/courriels?statut=failed").text)
    assert refused_address in failed_only and f"claire.{uai.lower()}" not in failed_only
    assert staff.get(f"/admin/etablissement/{other['uai']}/courriels").status_code == 404


def test_the_development_page_exists_only_in_development_mode(monkeypatch):
    from gateway.app import create_app

    monkeypatch.setenv("SCOLARITE_SECRET_KEY", "cle-de-test")

    assert create_app({"DEV_MODE": False}).test_client().get("/dev/courriels/").status_code == 404
    assert "devmail" in create_app({"DEV_MODE": True}).blueprints


@pytest.mark.parametrize("path", ["/dev/courriels/..%2F..%2Fetc%2Fpasswd", "/dev/courriels/.control",
                                  "/dev/courriels/123-000001-zzzzzzzz"])
def test_the_development_page_reads_only_caught_messages(platform, path):
    assert WebUser(platform.base_url).get(path).status_code == 404


def test_an_invalid_address_is_refused_over_rpc_and_nothing_is_queued(platform):
    from common.errors import ValidationError

    uai = new_establishment(platform)["uai"]
    request = mail_request("mot_de_passe_modifie", "parent@example.org", {
        "prenom": "Paul", "nom": "DURAND", "identifiant": "pdurand9", "date_modification": "2026-11-27T09:00:00+00:00"},
        etablissement_uai=uai)
    rpc = platform.rpc()
    try:
        with pytest.raises(ValidationError) as refused:
            rpc.call("mailer", "send", messages=[{**request, "to": "parent@example.org\r\nBcc: pirate@example.org"}])
        assert refused.value.errors == {"0": {"to": ["Adresse électronique invalide."]}}
        assert rpc.call("mailer", "outbox_page", query={"etablissement_uai": uai})["total"] == 0
    finally:
        rpc.close()
