"""The fiche's fields and the rules a new value must follow, one place for all:
the family's edits (`submit_changes`), and the `validate_changes` RPC the
inscription service reuses for its administrative data step.

Each editable field is named as the family's screen names it, carries its
SIECLE element(s) (for the school's export) and its limits as SIECLE holds them
(shared/domain/fiche_renseignements.md § 2, 5, 6). A value is cleaned into the
form the record keeps: text trimmed, phones in E.164 (+33612345678), dates
ISO, the address and the birth place as small dicts. Anything that does not
fit is refused with a French message under the field's name; an unknown field
name is refused too, and the régime is never editable.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import phonenumbers

from common.errors import ValidationError
from common.mail import normalize_address
from services.fiche import codes
from services.fiche.communes import DEPARTEMENT, POSTAL_CODE, communes, normalize

ELEVE, RESPONSABLE = "eleve", "responsable"
CIBLES = (ELEVE, RESPONSABLE)

REQUIRED = "Ce champ est obligatoire."
NOT_EDITABLE = {"code_regime": "Le régime n'est pas modifiable en ligne.",
                "regime": "Le régime n'est pas modifiable en ligne.",
                "lien": "Le lien avec l'élève n'est pas modifiable en ligne : adressez-vous à l'établissement."}
# Far beyond any SIECLE limit: longer input is refused before any other work.
MAX_INPUT = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*\.?$")


@dataclass(frozen=True)
class Champ:
    name: str
    label: str
    siecle: tuple[str, ...]
    kind: str  # name, code, date, phone, email, bool, naissance, adresse
    max_length: int | None = None
    required: bool = False
    choices: dict = field(default_factory=dict)


_PHONES = [
    Champ("tel_personnel", "Téléphone personnel", ("TEL_PERSONNEL",), "phone", 20),
    Champ("tel_portable", "Téléphone portable", ("TEL_PORTABLE",), "phone", 20),
    Champ("tel_professionnel", "Téléphone professionnel", ("TEL_PROFESSIONNEL",), "phone", 20),
]
_ADRESSE_SIECLE = ("LIGNE1_ADRESSE", "LIGNE2_ADRESSE", "LIGNE3_ADRESSE", "LIGNE4_ADRESSE", "CODE_POSTAL",
                   "LIBELLE_POSTAL", "CODE_COMMUNE_INSEE", "COMMUNE_ETRANGERE", "CODE_PAYS")

CHAMPS = {
    ELEVE: {c.name: c for c in [
        Champ("nom", "Nom de famille", ("NOM_DE_FAMILLE",), "name", 100, True),
        Champ("prenom", "Prénom", ("PRENOM",), "name", 100, True),
        Champ("prenom2", "Deuxième prénom", ("PRENOM2",), "name", 100),
        Champ("prenom3", "Troisième prénom", ("PRENOM3",), "name", 100),
        Champ("sexe", "Sexe", ("CODE_SEXE",), "code", required=True, choices=codes.SEXES),
        Champ("date_naissance", "Né(e) le", ("DATE_NAISS",), "date", required=True),
        Champ("naissance", "Lieu de naissance", ("CODE_PAYS", "CODE_COMMUNE_INSEE_NAISS", "VILLE_NAISS"),
              "naissance", required=True),
        Champ("adresse", "Adresse", _ADRESSE_SIECLE, "adresse", required=True),
        *_PHONES,
        Champ("email", "Courriel", ("MEL",), "email", 254),
    ]},
    RESPONSABLE: {c.name: c for c in [
        Champ("civilite", "Civilité", ("LC_CIVILITE",), "code", required=True, choices=codes.CIVILITES),
        Champ("nom", "Nom de famille", ("NOM_DE_FAMILLE",), "name", 100, True),
        Champ("prenom", "Prénom", ("PRENOM",), "name", 100, True),
        Champ("situation_emploi", "Situation au regard de l'activité professionnelle", ("SITUATION_EMPLOI",),
              "code", choices=codes.SITUATIONS_EMPLOI),
        Champ("code_profession", "Profession ou catégorie socio-professionnelle", ("CODE_PROFESSION",), "code",
              choices=codes.PROFESSIONS),
        Champ("adresse", "Adresse", _ADRESSE_SIECLE, "adresse", required=True),
        Champ("communication_adresse", "Autorise à communiquer son adresse", ("COMMUNICATION_ADRESSE",), "bool"),
        *_PHONES,
        Champ("accepte_sms", "Accepte de recevoir des SMS", ("ACCEPTE_SMS",), "bool"),
        Champ("email", "Courriel", ("MEL",), "email", 254),
    ]},
}
PHONE_FIELDS = tuple(c.name for c in _PHONES)
AT_LEAST_ONE_PHONE = "Indiquez au moins un numéro de téléphone."


class _Refused(Exception):
    def __init__(self, message: str, where: str | None = None):
        super().__init__(message)
        self.message, self.where = message, where


def clean_changes(cible: str, changes, today: date, current=None) -> dict:
    """The cleaned values of the fields in `changes` ({field: raw value}) for
    `cible` ("eleve" or "responsable"). Raises ValidationError with a French
    message per field (a composite field's messages under "adresse.code_postal"
    and so on); nothing is cleaned half-way. `current(field)`, when given, is
    the record's value: a required field the record does not have either may
    stay empty (SIECLE may lack it; the person is not made to fill it to
    change another field)."""
    if cible not in CIBLES:
        raise ValidationError({"cible": ["Onglet inconnu."]})
    if not isinstance(changes, dict):
        raise ValidationError({"_": ["Modifications attendues champ par champ."]})
    champs, errors, cleaned = CHAMPS[cible], {}, {}
    for name, raw in changes.items():
        if not isinstance(name, str) or name not in champs:
            key = name if isinstance(name, str) and len(name) <= 40 and not _CONTROL.search(name) else "_"
            errors.setdefault(key, []).append(NOT_EDITABLE.get(key, "Ce champ n'existe pas dans la fiche."))
            continue
        try:
            cleaned[name] = clean_value(cible, champs[name], raw, today,
                                        required=champs[name].required and (current is None or
                                                                            current(name) is not None))
        except _Refused as exc:
            errors.setdefault(f"{name}.{exc.where}" if exc.where else name, []).append(exc.message)
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_value(cible: str, champ: Champ, raw, today: date, required: bool = True):
    if champ.kind == "adresse":
        value = _clean_adresse(champ, raw, cible)
    elif champ.kind == "date":
        value = _clean_date(champ, raw, today)
    else:
        cleaner = {"name": _clean_name, "code": _clean_code, "phone": _clean_phone,
                   "email": _clean_email, "bool": _clean_bool, "naissance": _clean_naissance}[champ.kind]
        value = cleaner(champ, raw)
    if value is None and champ.required and required:
        raise _Refused(REQUIRED)
    return value


# -- scalar values ------------------------------------------------------------

def _text(raw, max_length: int | None, where: str | None = None) -> str | None:
    """Trimmed text with inner runs of spaces folded, or None when empty."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise _Refused("Texte attendu.", where)
    raw = str(raw)
    if len(raw) > MAX_INPUT:
        raise _Refused(f"{max_length or MAX_INPUT} caractères au maximum.", where)
    if _CONTROL.search(raw.replace("\t", " ")):
        raise _Refused("Caractères non autorisés (retour à la ligne ou caractère de contrôle).", where)
    if "<" in raw or ">" in raw:
        raise _Refused("Les caractères < et > ne sont pas autorisés.", where)
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if max_length is not None and len(value) > max_length:
        raise _Refused(f"{max_length} caractères au maximum.", where)
    return value or None


def _clean_name(champ, raw):
    value = _text(raw, champ.max_length)
    if value is not None and not _NAME.match(value):
        raise _Refused("Lettres, espaces, traits d'union et apostrophes uniquement.")
    return value


def _clean_code(champ, raw):
    value = _text(raw, 10)
    if value is not None and value not in champ.choices:
        raise _Refused("Valeur non autorisée : choisissez dans la liste.")
    return value


def _clean_date(champ, raw, today: date):
    value = _text(raw, 10)
    if value is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    else:
        raise _Refused("Date attendue au format jj/mm/aaaa.")
    if not date(1900, 1, 1) <= day <= today:
        raise _Refused("Cette date n'est pas possible.")
    return day.isoformat()


def _clean_phone(champ, raw):
    value = _text(raw, 30)
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        raise _Refused("Numéro de téléphone invalide (par exemple 06 12 34 56 78 ou +49 30 1234567).") from None
    if not phonenumbers.is_valid_number(number):
        raise _Refused("Numéro de téléphone invalide (par exemple 06 12 34 56 78 ou +49 30 1234567).")
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(formatted) > champ.max_length:
        raise _Refused(f"{champ.max_length} caractères au maximum.")
    return formatted


def _clean_email(champ, raw):
    value = _text(raw, champ.max_length)
    if value is None:
        return None
    try:
        return normalize_address(value)
    except ValueError as exc:
        raise _Refused(str(exc)) from None


_YES, _NO = ("oui", "1", "true", "o"), ("non", "0", "false", "n")


def _bool(raw, where=None) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _YES + _NO:
        return raw.strip().lower() in _YES
    if isinstance(raw, str) and not raw.strip():
        return None
    raise _Refused("Oui ou non attendu.", where)


def _clean_bool(champ, raw):
    return _bool(raw)


# -- composite values -----------------------------------------------------------

def _parts(raw, keys: tuple) -> dict:
    if not isinstance(raw, dict):
        raise _Refused("Valeur invalide.")
    unknown = [k for k in raw if k not in keys]
    if unknown:
        raise _Refused("Ce champ n'existe pas dans la fiche.", str(unknown[0])[:40] if not _CONTROL.search(
            str(unknown[0])) else None)
    return raw


def _pays(raw, where="pays") -> str:
    value = _text(raw, 3, where) or codes.FRANCE
    if value not in codes.PAYS:
        raise _Refused("Pays inconnu : choisissez dans la liste.", where)
    return value


def _clean_naissance(champ, raw):
    """{"pays", "departement", "commune"} for France (the commune found in the
    département's list, kept as its INSEE code), {"pays", "ville"} abroad."""
    if raw is None:
        return None
    parts = _parts(raw, ("pays", "departement", "commune", "ville", "commune_insee"))
    pays = _pays(parts.get("pays"))
    if pays != codes.FRANCE:
        ville = _text(parts.get("ville"), 32, "ville")
        if ville is None:
            raise _Refused("Indiquez la ville de naissance.", "ville")
        return {"pays": pays, "commune_insee": None, "ville": ville}
    code = _text(parts.get("commune_insee"), 5, "commune")
    if code is not None:
        if not communes().known_code(code.upper()):
            raise _Refused("Code de commune INSEE inconnu.", "commune")
        return {"pays": pays, "commune_insee": code.upper(), "ville": None}
    departement = (_text(parts.get("departement"), 3, "departement") or "").upper()
    nom = _text(parts.get("commune"), 100, "commune")
    if not departement:
        raise _Refused("Indiquez le département de naissance (par exemple 59, 2A ou 974).", "departement")
    if not DEPARTEMENT.match(departement):
        raise _Refused("Département invalide (par exemple 59, 2A ou 974).", "departement")
    if nom is None:
        raise _Refused("Indiquez la commune de naissance.", "commune")
    found = communes().find(departement, nom)
    if not found:
        raise _Refused(f"Aucune commune de ce nom dans le département {departement}.", "commune")
    if len({c.code for c in found if c.type == found[0].type}) > 1:
        raise _Refused("Plusieurs communes portent ce nom dans ce département : adressez-vous à l'établissement.",
                       "commune")
    return {"pays": pays, "commune_insee": found[0].code, "ville": None}


_ADRESSE_KEYS = ("identique_rl1", "ligne1", "ligne2", "ligne3", "ligne4", "code_postal", "commune", "pays")


def _clean_adresse(champ, raw, cible=RESPONSABLE):
    """Up to four lines of 38 characters; in France a postal code of 5 digits
    and the commune it serves (as La Poste writes it, ≤ 32); abroad the town
    (≤ 32) and no postal code. A student's address may be "identique à celle
    du responsable légal 1"."""
    if raw is None:
        return None
    parts = _parts(raw, _ADRESSE_KEYS)
    if cible == ELEVE and _bool(parts.get("identique_rl1"), "identique_rl1"):
        return {"identique_rl1": True}
    if cible != ELEVE and parts.get("identique_rl1") is not None:
        raise _Refused("Ce champ n'existe pas dans la fiche.", "identique_rl1")
    lignes = [_text(parts.get(f"ligne{n}"), 38, f"ligne{n}") for n in range(1, 5)]
    if not any(lignes) and not _text(parts.get("code_postal"), 5, "code_postal") and not _text(
            parts.get("commune"), 32, "commune"):
        return None
    if not any(lignes):
        raise _Refused("Indiquez au moins une ligne d'adresse.", "ligne1")
    pays = _pays(parts.get("pays"))
    code_postal = _text(parts.get("code_postal"), 5, "code_postal")
    commune = _text(parts.get("commune"), 32, "commune")
    value = {"ligne1": None, "ligne2": None, "ligne3": None, "ligne4": None}
    value.update({f"ligne{n}": line for n, line in enumerate([x for x in lignes if x], start=1)})
    if cible == ELEVE:
        value["identique_rl1"] = False
    if commune is None:
        raise _Refused("Indiquez la commune.", "commune")
    if pays != codes.FRANCE:
        if code_postal is not None:
            raise _Refused("Pas de code postal pour une adresse à l'étranger : écrivez-le avec la ville.",
                           "code_postal")
        return {**value, "code_postal": None, "commune": commune.upper(), "code_commune_insee": None, "pays": pays}
    if code_postal is None:
        raise _Refused("Indiquez le code postal.", "code_postal")
    if not POSTAL_CODE.match(code_postal):
        raise _Refused("Code postal invalide : 5 chiffres.", "code_postal")
    served = communes().for_postal_code(code_postal)
    if not served:
        raise _Refused("Code postal inconnu.", "code_postal")
    match = communes().match_postal(code_postal, commune)
    if match is None:
        names = sorted({c.nom for c in served if c.type != "M"} or {c.nom for c in served})
        listed = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
        raise _Refused(f"Cette commune ne correspond pas au code postal {code_postal} (communes de ce code\u00a0: "
                       f"{listed}).", "commune")
    return {**value, "code_postal": code_postal, "commune": normalize(commune), "code_commune_insee": match.code,
            "pays": pays}


# -- display ------------------------------------------------------------------

def display(champ: Champ, value) -> str:
    """The value as the family's page shows it (several lines joined by
    newlines); "" when empty."""
    if value is None or value == "":
        return ""
    kind = champ.kind
    if kind == "code":
        return codes.label(champ.choices, value)
    if kind == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if kind == "bool":
        return "Oui" if value else "Non"
    if kind == "phone":
        return format_phone(value)
    if kind == "naissance":
        if value.get("commune_insee"):
            code = value["commune_insee"]
            name = communes().name(code)
            return f"{name.upper()} ({code[:3] if code.startswith('97') else code[:2]})" if name else code
        return f"{value.get('ville') or ''} ({codes.label(codes.PAYS, value.get('pays'))})"
    if kind == "adresse":
        if value.get("identique_rl1"):
            return "Identique à celle du responsable légal 1"
        lines = [value.get(f"ligne{n}") for n in range(1, 5)]
        if value.get("pays", codes.FRANCE) == codes.FRANCE:
            lines.append(f"{value.get('code_postal') or ''} {value.get('commune') or ''}".strip())
        else:
            lines += [value.get("commune"), codes.label(codes.PAYS, value.get("pays"))]
        return "\n".join(line for line in lines if line)
    return str(value)


def format_phone(value: str) -> str:
    """French numbers as "06 12 34 56 78", others in international form."""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def form_value(champ: Champ, value):
    """The value as the edit form shows it, to edit it again."""
    if value is None:
        return {} if champ.kind in ("adresse", "naissance") else ""
    if champ.kind == "naissance":
        code = value.get("commune_insee")
        dep = (code[:3] if code.startswith("97") else code[:2]) if code else ""
        return {"pays": value.get("pays") or codes.FRANCE, "departement": dep,
                "commune": (communes().name(code) or "") if code else "", "ville": value.get("ville") or ""}
    if champ.kind == "adresse":
        return {k: ("" if v is None else v) for k, v in value.items() if k != "code_commune_insee"}
    if champ.kind == "bool":
        return "oui" if value else "non"
    if champ.kind in ("date", "phone"):
        return display(champ, value)
    return value
