"""The académie's own services shown as links (guide § 1.1, § 3.6, § 3.7;
issue 19): the LPC, a cahier de textes, the ENT, Pix...

An académie operator declares each one (name, address, short description,
audience, kinds of establishment, computer-only or not); each establishment's
staff open or close it per school year, as they do a service (closed until
opened); a child's menu carries the links opened by the child's establishment
for this school year, meant for its kind of establishment and for the viewer
(a guardian or the student). The menu gets them with the session
(family.account_view), so a change shows on the next page.

Addresses are https only, unless the operator ticks "http autorisé" for that
link; they carry no credentials and name a real host, shown to families as
its domain (in its ASCII form, so that a look-alike Unicode domain shows as
what it is).
"""
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import bindparam, select

from common.clock import school_year, staff_school_years
from common.errors import Forbidden, NotFound, ValidationError
from common.schemas import CONTROL_CHARACTERS, INTEGER_MAX, INTEGER_MIN, load_or_raise
from services.accounts.models import Account, Etablissement, LienAcademique, LienOuverture
from services.accounts.rules import administers
from services.accounts.schemas import LienAcademiqueSchema

# Which declared audiences a viewer of each role belongs to.
AUDIENCES_OF_ROLE = {"responsable": ("responsables", "tous"), "eleve": ("eleves", "tous")}


def check_adresse(adresse: str, http_autorise: bool) -> tuple[str, str]:
    """(the address to link to, its domain), or ValidationError in French."""
    def refuse(message):
        raise ValidationError({"adresse": [message]})

    if any(ch.isspace() for ch in adresse) or CONTROL_CHARACTERS.search(adresse):
        refuse("Une adresse ne contient ni espace ni caractère de contrôle.")
    try:
        parts = urlsplit(adresse)
        port = parts.port
    except ValueError:
        refuse("Adresse invalide.")
    scheme = parts.scheme.lower()
    if scheme == "http" and not http_autorise:
        refuse("Seules les adresses en https sont acceptées (cochez « http autorisé » pour faire exception "
               "pour ce lien).")
    if scheme not in ("https", "http"):
        refuse("L'adresse doit commencer par https://.")
    if parts.username is not None or parts.password is not None:
        refuse("Une adresse ne contient ni identifiant ni mot de passe.")
    host = (parts.hostname or "").rstrip(".")
    try:
        domain = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        refuse("Nom de domaine invalide.")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels) or labels[-1].isdigit():
        refuse("L'adresse doit nommer un domaine (par exemple https://ent.ac-exemple.fr/).")
    netloc = domain if port is None else f"{domain}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment)), domain


def _key(value) -> int | None:
    """An id as a caller sent it, if it can be one (a PostgreSQL INTEGER)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and INTEGER_MIN <= value <= INTEGER_MAX
    return value if ok else None


def account_of(db, account_id) -> Account | None:
    key = _key(account_id)
    return None if key is None else db.get(Account, key)


def _operator(db, account_id) -> Account:
    account = account_of(db, account_id)
    if account is None or account.role != "operator":
        raise Forbidden("Seul un opérateur académique déclare les services académiques.")
    return account


def _view(lien: LienAcademique) -> dict:
    return {"id": lien.id, "nom": lien.nom, "adresse": lien.adresse, "domaine": urlsplit(lien.adresse).hostname,
            "description": lien.description, "audience": lien.audience,
            "types_etablissement": lien.types_etablissement.split(","),
            "ordinateur_seulement": lien.ordinateur_seulement, "http_autorise": lien.http_autorise}


def _apply(lien: LienAcademique, payload) -> None:
    data = load_or_raise(LienAcademiqueSchema(), payload)
    lien.adresse, _ = check_adresse(data["adresse"], data["http_autorise"])
    lien.nom, lien.description, lien.audience = data["nom"], data["description"], data["audience"]
    lien.types_etablissement = ",".join(data["types_etablissement"])
    lien.ordinateur_seulement, lien.http_autorise = data["ordinateur_seulement"], data["http_autorise"]


def declare(db, payload, account_id, now) -> dict:
    """An operator declares a link; it is closed everywhere until opened."""
    _operator(db, account_id)
    lien = LienAcademique(created_at=now, changed_at=now, changed_by=account_id)
    _apply(lien, payload)
    db.add(lien)
    db.flush()
    return _view(lien)


def update(db, lien_id, payload, account_id, now) -> dict:
    """An operator changes a link; the establishments' openings stay."""
    _operator(db, account_id)
    lien = _get(db, lien_id)
    _apply(lien, payload)
    lien.changed_at, lien.changed_by = now, account_id
    return _view(lien)


def remove(db, lien_id, account_id) -> None:
    """An operator withdraws a link: gone from every menu, openings included."""
    _operator(db, account_id)
    db.delete(_get(db, lien_id))


def _get(db, lien_id) -> LienAcademique:
    key = _key(lien_id)
    lien = None if key is None else db.get(LienAcademique, key)
    if lien is None:
        raise NotFound("Service académique introuvable.")
    return lien


def get(db, lien_id) -> dict:
    return _view(_get(db, lien_id))


def listing(db) -> list[dict]:
    return [_view(lien) for lien in db.scalars(select(LienAcademique).order_by(LienAcademique.nom))]


def openings(db, uai, annee_scolaire) -> list[dict]:
    """The links meant for this establishment's kind, each with whether it is
    open there for the school year."""
    etab = db.get(Etablissement, uai)
    if etab is None:
        raise NotFound(uai)
    opened = {o.lien_id: o.is_open for o in db.scalars(
        select(LienOuverture).where(LienOuverture.etablissement_uai == uai,
                                    LienOuverture.annee_scolaire == annee_scolaire))}
    return [{**view, "open": opened.get(view["id"], False), "annee_scolaire": annee_scolaire}
            for view in listing(db) if etab.type in view["types_etablissement"]]


def set_opening(db, uai, lien_id, is_open, account_id, annee_scolaire, now, today) -> dict:
    """The establishment's staff (or an operator) open or close a link, for the
    current or the next school year, as they do a service."""
    if not administers(account_of(db, account_id), uai):
        raise Forbidden("Vous n'administrez pas cet établissement.")
    years = staff_school_years(today)
    year = annee_scolaire or years[0]
    if year not in years or isinstance(year, bool):
        raise ValidationError({"annee_scolaire": [
            "Un service ne s'ouvre ou ne se ferme que pour l'année scolaire en cours ou la suivante."]})
    lien, etab = _get(db, lien_id), db.get(Etablissement, uai)
    if etab is None:
        raise NotFound(uai)
    if etab.type not in lien.types_etablissement.split(","):
        raise Forbidden("Ce service académique n'est pas destiné à ce type d'établissement.")
    row = db.get(LienOuverture, (lien.id, uai, year))
    if row is None:
        row = LienOuverture(lien_id=lien.id, etablissement_uai=uai, annee_scolaire=year)
        db.add(row)
    row.is_open, row.changed_at, row.changed_by = bool(is_open), now, account_id
    return {"open": row.is_open, "annee_scolaire": year}


# Built once: every page's view runs it.
_OPEN_LINKS = (
    select(LienAcademique, LienOuverture.etablissement_uai).join(LienOuverture)
    .where(LienOuverture.etablissement_uai.in_(bindparam("uais", expanding=True)),
           LienOuverture.annee_scolaire == bindparam("annee"), LienOuverture.is_open.is_(True),
           LienAcademique.audience.in_(bindparam("audiences", expanding=True)))
    .order_by(LienAcademique.nom))


def for_children(db, role: str, eleves, today) -> dict[int, list[dict]]:
    """{eleve_id: [links]} for a viewer of `role` and these students: opened by
    the student's establishment for this school year, meant for its kind and
    for the viewer. One query for the whole page."""
    audiences = AUDIENCES_OF_ROLE.get(role)
    if not audiences or not eleves:
        return {e.id: [] for e in eleves}
    rows = db.execute(_OPEN_LINKS, {"uais": sorted({e.etablissement_uai for e in eleves}),
                                    "annee": school_year(today), "audiences": list(audiences)}).all()
    out = {}
    for eleve in eleves:
        out[eleve.id] = [
            {key: value for key, value in _view(lien).items()
             if key in ("id", "nom", "adresse", "domaine", "description", "ordinateur_seulement")}
            for lien, uai in rows
            if uai == eleve.etablissement_uai and eleve.etablissement.type in lien.types_etablissement.split(",")]
    return out
