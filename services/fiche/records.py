"""Reading and writing one field of the record, in the form the change requests
carry (services.fiche.validation): the one mapping between the fiche's
fields and the columns that hold them."""
from datetime import date

from services.fiche import codes
from services.fiche.communes import normalize
from services.fiche.models import Eleve

_ADRESSE_LINES = ("adresse_ligne1", "adresse_ligne2", "adresse_ligne3", "adresse_ligne4")


def _adresse(record) -> dict | None:
    lines = [getattr(record, column) for column in _ADRESSE_LINES]
    pays = record.code_pays or codes.FRANCE
    commune = record.libelle_postal if pays == codes.FRANCE else record.commune_etrangere
    if not any(lines) and not commune and not record.code_postal:
        return None
    value = {f"ligne{n}": line for n, line in enumerate(lines, start=1)}
    value.update({"code_postal": record.code_postal if pays == codes.FRANCE else None, "commune": commune,
                  "code_commune_insee": record.code_commune_insee, "pays": pays})
    return value


def current_value(record, champ: str):
    """The record's value of `champ`, as a change request would carry it."""
    if champ == "adresse":
        if isinstance(record, Eleve):
            if record.adresse_identique_rl1:
                return {"identique_rl1": True}
            value = _adresse(record)
            return {**value, "identique_rl1": False} if value else None
        return _adresse(record)
    if champ == "naissance":
        if not (record.naissance_pays or record.naissance_commune_insee or record.naissance_ville):
            return None
        return {"pays": record.naissance_pays or codes.FRANCE, "commune_insee": record.naissance_commune_insee,
                "ville": record.naissance_ville}
    if champ == "date_naissance":
        return record.date_naissance.isoformat() if record.date_naissance else None
    return getattr(record, champ)


def apply(record, champ: str, value) -> None:
    """Make `value` (accepted by the school) the record's."""
    if champ == "adresse":
        value = value or {}
        if isinstance(record, Eleve):
            record.adresse_identique_rl1 = bool(value.get("identique_rl1"))
            if record.adresse_identique_rl1:
                return
        pays = value.get("pays") or codes.FRANCE
        for n, column in enumerate(_ADRESSE_LINES, start=1):
            setattr(record, column, value.get(f"ligne{n}"))
        record.code_pays = pays
        record.code_postal = value.get("code_postal") if pays == codes.FRANCE else None
        record.libelle_postal = value.get("commune") if pays == codes.FRANCE else None
        record.commune_etrangere = value.get("commune") if pays != codes.FRANCE else None
        record.code_commune_insee = value.get("code_commune_insee") if pays == codes.FRANCE else None
    elif champ == "naissance":
        value = value or {}
        record.naissance_pays = value.get("pays")
        record.naissance_commune_insee = value.get("commune_insee")
        record.naissance_ville = value.get("ville")
    elif champ == "date_naissance":
        record.date_naissance = date.fromisoformat(value)
    else:
        setattr(record, champ, value)


def same(champ: str, a, b) -> bool:
    """Whether two values of `champ` say the same thing (an address typed
    again in another case, with or without its INSEE code, is no change)."""
    if champ == "adresse" and isinstance(a, dict) and isinstance(b, dict):
        def key(v):
            if v.get("identique_rl1"):
                return ("identique",)
            return tuple(normalize(v.get(k) or "") for k in
                         ("ligne1", "ligne2", "ligne3", "ligne4", "code_postal", "commune")) + (v.get("pays"),)
        return key(a) == key(b)
    return a == b
