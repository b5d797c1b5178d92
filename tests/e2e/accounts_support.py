"""What the account e2e tests share: an establishment per module, reading the
mails the local catcher kept and following their links over HTTP."""
import re
import time
import uuid

from tests.helpers import WebUser, family_payload, letters_by_name, text_of

LINK = re.compile(r"https?://[^\s<>\"]+")


def new_establishment(platform, payload=None) -> dict:
    uai = f"{uuid.uuid4().int % 10**7:07d}A"
    rpc = platform.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=payload(uai) if payload else family_payload(uai=uai))
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    finally:
        rpc.close()
    return {"uai": uai, "letters": letters}


def mails(platform, address: str) -> list[dict]:
    return platform.mailbox(to=address)


def wait_for_mail(platform, address: str, count: int = 1, timeout: float = 20) -> dict:
    """The `count`-th mail to `address` (1 = the first ever), once the mailer
    has delivered it to the catcher."""
    deadline = time.monotonic() + timeout
    while True:
        found = mails(platform, address)
        if len(found) >= count:
            return found[count - 1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail #{count} to {address} after {timeout} s (got {len(found)})")
        time.sleep(0.1)


def link_in(mail: dict, path_part: str) -> str:
    for link in LINK.findall(mail["text"]):
        if path_part in link:
            return link.rstrip(".>)")
    raise AssertionError(f"no link with {path_part} in: {mail['text'][:500]}")


def follow(user: WebUser, link: str):
    """Open a mailed link in this browser, as a person clicking it would."""
    user.last = user.http.get(link, timeout=30)
    return user.last


def first_connection(platform, letter, birth, password="soleil2026", email=None) -> tuple[WebUser, object]:
    user = WebUser(platform.base_url)
    user.login(letter["identifiant"], letter["password"])
    form = {"date_naissance": birth, "new_password": password, "new_password_confirm": password}
    if email:
        form.update(email=email, email_confirm=email)
    return user, user.post_form("/premiere-connexion", form)


def confirmed_guardian(platform, letter, birth, email, password="soleil2026") -> WebUser:
    """A guardian past the first connection who followed the mailed link."""
    before = len(mails(platform, email))
    user, _page = first_connection(platform, letter, birth, password, email)
    follow(user, link_in(wait_for_mail(platform, email, before + 1), "/confirmation/"))
    page = user.login(letter["identifiant"], password)
    assert "La scolarité d" in text_of(page.text), text_of(page.text)[:300]
    return user


def press(user: WebUser, page_path: str, action: str, data: dict | None = None):
    """On `page_path`, submit the form that posts to `action` (a button)."""
    from html import unescape

    from tests.helpers import CSRF

    page = user.get(page_path)
    fields = dict(data or {})
    fields["csrf_token"] = unescape(CSRF.search(page.text).group(1))
    user.last = user.http.post(user.base_url + action, data=fields, timeout=30)
    return user.last


def merge_accounts(user: WebUser, identifiant: str, password: str):
    """"Regrouper des comptes": "Suivant", then the confirmation step."""
    import re
    from html import unescape

    from tests.helpers import CSRF

    step = user.post_form("/compte/enfants/regrouper", {"identifiant": identifiant, "password": password})
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', step.text)
    assert ticket, step.text[:500]
    fields = {"csrf_token": unescape(CSRF.search(step.text).group(1)), "ticket": unescape(ticket.group(1))}
    user.last = user.http.post(user.base_url + "/compte/enfants/regrouper/confirmer", data=fields, timeout=30)
    return user.last
