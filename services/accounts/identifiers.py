"""Normalized account identifiers: first initial, a dot, the surname, a number
(e.g. `p.martin3`), ASCII lower case so they can be typed on any keyboard."""
import re
import unicodedata

MAX_LENGTH = 40


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def identifier_stem(prenom: str, nom: str) -> str:
    initial = re.sub(r"[^a-z]", "", ascii_fold(prenom).lower())[:1] or "x"
    surname = re.sub(r"[^a-z]", "", ascii_fold(nom).lower())[:20] or "compte"
    return f"{initial}.{surname}"


def looks_like_identifier(text: str) -> bool:
    """A cheap filter before any database work: what a login form can carry."""
    return bool(re.fullmatch(r"[a-z0-9.\-]{1,40}", text))


def person_key(nom: str | None, prenom: str | None) -> tuple[str, str]:
    """Who a guardian is, as the schools' data name them: the same person is the
    same surname and first name, ignoring case, accents, spaces and hyphens
    (used by "regroupement" and by accounts that follow a child to another
    school; docs/security.md)."""
    def fold(text):
        return "".join(ch for ch in ascii_fold(text or "").lower() if ch.isalnum())

    return fold(nom), fold(prenom)
