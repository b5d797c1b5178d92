"""The message on the wire, and the SMTP connection as configured: plain,
STARTTLS or TLS, with a login; against a real SMTP server each time."""
import ssl
import subprocess
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.mailer.settings import smtp_settings
from common.errors import ValidationError
from common.mail import mail_request
from services.mailer.smtp import PERMANENT, SENT, TEMPORARY, SmtpSender, build_message
from tests.fixtures import free_port
from tools import mailcatcher

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


def message(**overrides):
    fields = dict(from_address="ne-pas-repondre@ac-exemple.fr", from_name="Scolarité services – Académie",
                  reply_to="assistance@ac-exemple.fr", to="helene.lefevre@example.org", to_name="Hélène LEFÈVRE",
                  subject="Réinitialisation de votre mot de passe – Scolarité services",
                  text="Bonjour Hélène,\nvoici le lien : https://x.example/r?t=1\n", html="<p>Bonjour Hélène</p>",
                  message_id="<abc123@ac-exemple.fr>", date=NOW)
    fields.update(overrides)
    return build_message(**fields)


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def test_standard_headers_and_accented_names_are_encoded():
    data = message()
    assert data.isascii()  # names, subject and bodies encoded for any relay
    parsed = parse(data)
    assert parsed["Message-ID"] == "<abc123@ac-exemple.fr>"
    assert parsed["Date"] == "Fri, 27 Nov 2026 10:30:00 +0100"  # French time
    assert parsed["From"] == "Scolarité services – Académie <ne-pas-repondre@ac-exemple.fr>"
    assert parsed["To"] == "Hélène LEFÈVRE <helene.lefevre@example.org>"
    assert parsed["Reply-To"] == "assistance@ac-exemple.fr"
    assert parsed["Subject"] == "Réinitialisation de votre mot de passe – Scolarité services"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert "Bonjour Hélène" in parsed.get_body(("plain",)).get_content()
    assert "Reply-To" not in parse(message(reply_to=None))


@pytest.mark.parametrize("field", ["to", "to_name", "subject", "from_name", "from_address", "reply_to", "message_id"])
def test_no_header_can_be_injected_into_a_built_message(field):
    with pytest.raises(ValueError):
        message(**{field: "x@example.org\r\nBcc: pirate@example.org"})
    with pytest.raises(ValueError):
        message(**{field: "x@example.org\nBcc: pirate@example.org"})


@pytest.mark.parametrize("field, value", [
    ("to", "parent@example.org\r\nBcc: pirate@example.org"),
    ("to", "parent@example.org\nBcc: pirate@example.org"),
    ("to", "parent@example.org>\r\nRCPT TO:<pirate@example.org"),
    ("to_name", "Philippe\r\nBcc: pirate@example.org"),
    ("to_name", "Philippe\u2028Bcc: pirate@example.org"),
])
def test_no_header_can_be_injected_through_a_request(field, value):
    kwargs = {"to": "parent@example.org", "to_name": "Philippe MARTIN", field: value}
    with pytest.raises(ValidationError) as refused:
        mail_request("rappel_identifiant", kwargs["to"], {"prenom": "P", "nom": "M", "identifiants": ["pm1"]},
                     to_name=kwargs["to_name"])
    assert field in refused.value.errors


def test_a_line_break_in_the_context_never_reaches_a_header(mailer, catcher):
    """A context value may hold line breaks (a refusal's reason); one that
    ends up in the subject is folded into one line."""
    request = mail_request("fiche_modifications_refusees", "parent@example.org", {
        "prenom": "Claire", "nom": "MARTIN", "eleve_prenom": "Léa\r\nBcc: pirate@example.org\r\n",
        "eleve_nom": "MARTIN\nX-Injected: oui", "etablissement_nom": "COLLÈGE JEAN MOULIN",
        "date_demande": "2026-11-20T08:00:00+00:00", "motif": "Pièce manquante.\r\nMerci de passer au secrétariat."})
    mailer.send([request])
    mailer.deliver_due()
    [caught] = catcher.mailbox.messages()
    assert caught["X-Envelope-To"] == "<parent@example.org>"
    assert caught["Bcc"] is None and caught["X-Injected"] is None
    assert caught["Subject"] == ("Fiche de renseignements – Léa Bcc: pirate@example.org MARTIN X-Injected: oui"
                                 "\u00a0: modifications refusées")  # French typography's no-break space


def test_sending_many_messages_reuses_one_connection(catcher, sender):
    for i in range(5):
        assert sender.send("a@ac-exemple.fr", f"p{i}@example.org", message(to=f"p{i}@example.org")).result == SENT
    assert catcher.mailbox.count() == 5
    assert {m["X-Envelope-To"] for m in catcher.mailbox.messages()} == {f"<p{i}@example.org>" for i in range(5)}


def test_answers_are_sorted_into_temporary_and_permanent(catcher, sender):
    catcher.mailbox.answer(recipients={"plein@example.org": "451", "inconnu@example.org": "550"})
    temporary = sender.send("a@ac-exemple.fr", "plein@example.org", message(to="plein@example.org"))
    permanent = sender.send("a@ac-exemple.fr", "inconnu@example.org", message(to="inconnu@example.org"))
    fine = sender.send("a@ac-exemple.fr", "p@example.org", message(to="p@example.org"))
    assert (temporary.result, temporary.connection_failed) == (TEMPORARY, False)
    assert temporary.reason.startswith("451 4.3.0")
    assert (permanent.result, permanent.reason) == (PERMANENT, "550 5.1.1 Mailbox unavailable (mail catcher)")
    assert fine.result == SENT


def test_a_refused_connection_is_temporary_for_the_whole_batch(smtp_config):
    sender = SmtpSender({**smtp_config, "port": free_port()})
    outcome = sender.send("a@ac-exemple.fr", "p@example.org", message())
    assert (outcome.result, outcome.connection_failed) == (TEMPORARY, True)
    assert "serveur SMTP injoignable (ConnectionRefusedError" in outcome.reason


def test_a_connection_the_server_dropped_while_idle_is_reopened(catcher, sender, monkeypatch):
    from services.mailer import smtp as smtp_module

    assert sender.send("a@ac-exemple.fr", "p1@example.org", message()).result == SENT
    sender._smtp.sock.close()  # as a server does after its idle timeout
    monkeypatch.setattr(smtp_module, "IDLE_CHECK_SECONDS", -1)
    assert sender.send("a@ac-exemple.fr", "p2@example.org", message()).result == SENT
    assert catcher.mailbox.count() == 2


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return folder / "cert.pem", context


def _authenticator(logins):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
        logins.append(ok)
        return AuthResult(success=ok, handled=False)
    return authenticate


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_login_come_from_configuration(security, certificate, tmp_path, monkeypatch):
    cafile, server_context = certificate
    port, logins = free_port(), []
    # aiosmtpd's auth_require_tls knows STARTTLS only; with implicit TLS the
    # whole connection is encrypted from the start.
    tls = {"tls_context": server_context, "require_starttls": True, "auth_require_tls": True} \
        if security == "starttls" else {"ssl_context": server_context, "auth_require_tls": False}
    controller = mailcatcher.start(tmp_path / "mail", port=port, authenticator=_authenticator(logins),
                                   auth_required=True, **tls)
    try:
        for key, value in {"PORT": str(port), "SECURITY": security, "USER": "mailer", "PASSWORD": "s3cret",
                           "CAFILE": str(cafile), "TIMEOUT": "5"}.items():
            monkeypatch.setenv(f"SCOLARITE_SMTP_{key}", value)
        sender = SmtpSender(smtp_settings())
        assert sender.send("a@ac-exemple.fr", "p@example.org", message()).result == SENT
        sender.close()
        assert logins == [True]
        assert mailcatcher.Mailbox(tmp_path / "mail").count() == 1

        monkeypatch.setenv("SCOLARITE_SMTP_PASSWORD", "faux")
        refused = SmtpSender(smtp_settings()).send("a@ac-exemple.fr", "p@example.org", message())
        assert (refused.result, refused.connection_failed) == (TEMPORARY, True)
        assert refused.reason.startswith("identifiants refusés par le serveur SMTP : 535")

        monkeypatch.setenv("SCOLARITE_SMTP_CAFILE", "")  # the self-signed certificate is not trusted
        untrusted = SmtpSender(smtp_settings()).send("a@ac-exemple.fr", "p@example.org", message())
        assert (untrusted.result, untrusted.connection_failed) == (TEMPORARY, True)
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.reason
    finally:
        controller.stop()
