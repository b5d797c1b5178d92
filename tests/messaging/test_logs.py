"""Logs an operator can use (issue 10, item 9), read from the files of a real
journey: a first connection with an address, the confirmation link followed,
a wrong password. One correlation id on the lines of every process the
request touched; a refusal in one line; no token or password anywhere."""
import re
import uuid

from tests.e2e.accounts_support import follow, link_in, new_establishment, wait_for_mail
from tests.helpers import WebUser
from tests.messaging.support import wait_until
from tests.messaging.test_faults import form_of

LINE_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ \[")


def lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def test_a_journey_is_followed_by_one_correlation_id_and_leaks_no_secret(portal):
    est = new_establishment(portal)
    letter = est["letters"]["Philippe MARTIN"]
    email = f"{letter['identifiant']}@example.org"
    password = "journal2026ab"
    user = WebUser(portal.base_url)
    user.login(letter["identifiant"], letter["password"])
    csrf = form_of(user, "/premiere-connexion")
    request_id = "parcours-" + uuid.uuid4().hex[:12]
    page = user.http.post(portal.base_url + "/premiere-connexion", headers={"X-Request-Id": request_id}, timeout=30,
                          data={"csrf_token": csrf, "date_naissance": "2012-04-04", "new_password": password,
                                "new_password_confirm": password, "email": email, "email_confirm": email})
    assert page.status_code == 200 and page.headers["X-Request-Id"] == request_id
    link = link_in(wait_for_mail(portal, email), "/confirmation/")
    token = link.rsplit("/", 1)[1]
    follow(user, link)
    WebUser(portal.base_url).login(letter["identifiant"], "pas-le-bon-2026")

    # The request's id on the gateway's access line, on the accounts line of
    # the command it ran, and on the mailer's line for the mail it asked for.
    wait_until(lambda: lines_with(portal.log("mailer"), f"[{request_id}]"), "the mailer's line for the request")
    gateway = lines_with(portal.log("gateway"), f"[{request_id}]")
    assert any('"POST /premiere-connexion' in line for line in gateway), gateway
    accounts = lines_with(portal.log("accounts"), f"[{request_id}]")
    assert any("command accounts.first_connection done" in line for line in accounts), accounts
    mailer = lines_with(portal.log("mailer"), f"[{request_id}]")
    assert any("mail_requested from accounts: 1 message(s) recorded (confirmation_adresse)" in line
               for line in mailer), mailer

    # The wrong password: one line, no traceback.
    refused = lines_with(portal.log("accounts"), "InvalidCredentials")
    assert refused and all(LINE_START.match(line) and "refused: accounts.login" in line for line in refused), refused
    assert "Traceback" not in portal.log("accounts")

    # No secret in any process's log, the access log included.
    for name in portal.cluster.processes:
        text = portal.log(name)
        assert token not in text, name
        assert password not in text and letter["password"] not in text, name
    assert lines_with(portal.log("gateway"), "GET /confirmation/[masqué]")
