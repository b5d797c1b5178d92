"""What the tests do as a person would: fill in forms over HTTP, read pages."""
import re
import time
from contextlib import contextmanager
from html import unescape

import requests

from common.messaging import idempotency_key

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def wait_until(predicate, what: str, timeout: float = 30, every: float = 0.2):
    """Waits for something that happens asynchronously (a notice consumed, a
    process started, the broker back); returns the predicate's first true
    value, fails with `what` if it never comes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(every)


class WebUser:
    """A browser without JavaScript: a cookie jar, forms posted with their CSRF token."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.last = None

    def get(self, path: str, **kwargs) -> requests.Response:
        self.last = self.http.get(self.base_url + path, timeout=30, **kwargs)
        return self.last

    def post_form(self, path: str, data: dict, **kwargs) -> requests.Response:
        """Load the page, then submit its form with the page's CSRF token."""
        page = self.get(path)
        match = CSRF.search(page.text)
        fields = dict(data)
        if match:
            fields["csrf_token"] = unescape(match.group(1))
        self.last = self.http.post(self.base_url + path, data=fields, timeout=30, **kwargs)
        return self.last

    def login(self, identifiant: str, password: str) -> requests.Response:
        return self.post_form("/connexion", {"identifiant": identifiant, "mot_de_passe": password})

    def logout(self) -> requests.Response:
        page = self.get("/")
        token = CSRF.search(page.text).group(1)
        return self.http.post(self.base_url + "/deconnexion", data={"csrf_token": unescape(token)}, timeout=30)


def staff_web_user(platform, payload: dict, password: str = "bureau2026") -> WebUser:
    """A staff or operator account (accounts' `create_staff_account`, as the
    académie's CLI makes one), logged in over HTTP past its first connection
    (its new password `password`). `platform` is any portal with `rpc()` and
    `base_url`."""
    rpc = platform.rpc()
    try:
        created = rpc.call("accounts", "create_staff_account", payload=payload)
    finally:
        rpc.close()
    user = WebUser(platform.base_url)
    assert user.login(created["identifiant"], created["password"]).url.endswith("/premiere-connexion")
    page = user.post_form("/premiere-connexion", {"new_password": password, "new_password_confirm": password})
    assert page.status_code == 200, page.status_code
    return user


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags removed, spaces folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def errors_of(html: str) -> list[str]:
    """The messages written beside the fields, as the shared form macros
    write them (gateway/templates/_forms.html), in the page's order."""
    return [text_of(e) for e in re.findall(r'<p class="[^"]*\bfr-(?:error-text|message--error)\b[^"]*">(.*?)</p>', html)]


def family_payload(uai="0590001A", nom="COLLEGE JEAN MOULIN", type_="college"):
    """A small establishment: the MARTIN family (two children, one guardian
    with one account for both, and a second guardian with their own), and the
    DURAND child whose guardian must never see the MARTINs."""
    return {
        "etablissement": {"uai": uai, "nom": nom, "type": type_, "commune": "WATTIGNIES"},
        "eleves": [
            {"siecle_eleve_id": "101", "nom": "MARTIN", "prenom": "Hugo", "date_naissance": "2012-04-04", "classe": "5A"},
            {"siecle_eleve_id": "102", "nom": "MARTIN", "prenom": "Léa", "date_naissance": "2014-01-02", "classe": "6B"},
            {"siecle_eleve_id": "103", "nom": "DURAND", "prenom": "Zoé", "date_naissance": "2013-06-30", "classe": "5A"},
            {"siecle_eleve_id": "104", "nom": "PETIT", "prenom": "Jean", "date_naissance": "2012-02-02",
             "classe": "5A", "date_sortie": "2020-01-31"},
        ],
        "personnes": [
            {"siecle_personne_id": "201", "nom": "MARTIN", "prenom": "Philippe", "civilite": "M."},
            {"siecle_personne_id": "202", "nom": "MARTIN", "prenom": "Claire", "civilite": "MME"},
            {"siecle_personne_id": "203", "nom": "DURAND", "prenom": "Paul", "civilite": "M."},
            {"siecle_personne_id": "204", "nom": "MARTIN", "prenom": "Odette", "civilite": "MME"},
        ],
        "liens": [
            {"siecle_eleve_id": "101", "siecle_personne_id": "201", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "102", "siecle_personne_id": "201", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "101", "siecle_personne_id": "202", "niveau_responsabilite": 1, "code_parente": "10"},
            {"siecle_eleve_id": "102", "siecle_personne_id": "202", "niveau_responsabilite": 1, "code_parente": "10"},
            {"siecle_eleve_id": "103", "siecle_personne_id": "203", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "101", "siecle_personne_id": "204", "niveau_responsabilite": 3, "code_parente": "38"},
        ],
    }


def letters_by_name(letters: list[dict]) -> dict:
    """{"Philippe MARTIN": letter, ...}"""
    return {f"{letter['prenom']} {letter['nom']}": letter for letter in letters}


@contextmanager
def command_key(value: str):
    """Runs what follows as a call carrying this idempotency key, as
    common.messaging.CallContext sets it from a call's headers (a replayed
    form or a redelivered RPC carries the same key)."""
    token = idempotency_key.set(value)
    try:
        yield
    finally:
        idempotency_key.reset(token)
