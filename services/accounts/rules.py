"""Rules of the accounts service that others rely on.

`describe()`: the rules as people read them. The gateway shows these words
(password hints, how long a link or a letter stays valid) instead of typing
its own, so the figures change in one place, with the rules that apply them
(passwords.py, tokens.py, letters.py).

`administers()`: who may change an establishment's settings, asked by accounts
itself (the welcome message) and by every feature service (openings) over RPC.
"""
from services.accounts import letters, passwords, tokens
from services.accounts.models import Account


def administers(account: Account | None, uai: str) -> bool:
    """The establishment's own staff, or an académie operator (every establishment)."""
    return account is not None and (account.role == "operator"
                                    or (account.role == "staff" and account.etablissement_uai == uai))


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
