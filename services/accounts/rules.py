"""Rules of the accounts service that others rely on.

`describe()`: the rules as people read them. The gateway shows these words
(password hints, how long a link or a letter stays valid) instead of typing
its own, so the figures change in one place, with the rules that apply them
(passwords.py, tokens.py, letters.py).

`administers()`: who may change an establishment's settings, asked by accounts
itself (the welcome message) and by every feature service (openings) over RPC;
per domain of the administration: "etablissement" (openings, welcome message,
letters, every service's settings) and "vie_scolaire" (justifications, alerts,
motifs, periods). A staff member's function decides the domains: the
conseiller principal d'éducation (CPE) handles vie scolaire only.
"""
from services.accounts import letters, passwords, tokens
from services.accounts.models import Account


ETABLISSEMENT, VIE_SCOLAIRE = "etablissement", "vie_scolaire"
DOMAINES = (ETABLISSEMENT, VIE_SCOLAIRE)
# What each staff function administers in its establishment.
FONCTIONS = {"direction": DOMAINES, "secretariat": DOMAINES, "cpe": (VIE_SCOLAIRE,)}


def domaines(account: Account | None) -> list[str]:
    """The domains of administration of this account (every one for an operator)."""
    if account is None:
        return []
    if account.role == "operator":
        return list(DOMAINES)
    if account.role == "staff":
        return list(FONCTIONS.get(account.fonction, ()))
    return []


def administers(account: Account | None, uai: str, domaine: str = ETABLISSEMENT) -> bool:
    """An académie operator (every establishment), or the establishment's own
    staff whose function covers `domaine`."""
    return account is not None and domaine in domaines(account) and (
        account.role == "operator" or account.etablissement_uai == uai)


def _months(n: int) -> str:
    return f"{n} mois"


def _days(days: int) -> str:
    if days % 7 == 0:
        weeks = days // 7
        return "une semaine" if weeks == 1 else f"{weeks} semaines"
    return "un jour" if days == 1 else f"{days} jours"


def describe() -> dict:
    low, high = passwords.MIN_LENGTH, passwords.MAX_LENGTH
    return {
        "password": {
            "min_length": low,
            "max_length": high,
            "hint": f"{low} caractères minimum, {high} caractères maximum, chiffres ET lettres obligatoires",
            "short": f"{low} à {high} caractères, chiffres ET lettres",
        },
        "confirmation_link_validity": _months(tokens.EMAIL_LINK_MONTHS),
        "reset_link_validity": _days(tokens.RESET_LINK_VALIDITY.days),
        "letter_validity": _months(letters.LETTER_VALIDITY_MONTHS),
    }
