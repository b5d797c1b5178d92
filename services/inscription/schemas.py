"""What crosses the inscription service's boundary: the campaign window the
académie's operator sets, the assignment results and the lycées' offers the
back office imports, the lycée's message, and the family's forms. Values
arrive as a person typed them (strings) or already typed (RPC)."""
import re
from datetime import datetime

from marshmallow import EXCLUDE, RAISE, Schema, pre_load, validates_schema

from common.clock import PARIS
from common.schemas import ValidationError, fields, refuse_blank, validate
from contract.etablissement import UAI

ANNEE = validate.Range(min=2000, max=2100, error="Année invalide (par exemple 2027 pour la rentrée 2027).")
INE = validate.Regexp(r"^[0-9A-Z]{11}$", error="INE invalide (11 caractères, chiffres et lettres).")
MEF = validate.Regexp(r"^\d{11}$", error="Code MEF invalide (11 chiffres).")
CODE = validate.Regexp(r"^[A-Z0-9_]{1,20}$", error="Code invalide (lettres majuscules et chiffres).")
# A campaign lasts days, not months (the FAQ's: Friday 14:30 to Monday 23:59).
MAX_CAMPAIGN_DAYS = 60
MAX_MESSAGE = 2000


class Year(fields.Integer):
    """An integer typed in a form ("2027", " 2027 "); an empty field is a
    missing one ("Ce champ est obligatoire."), not a malformed number."""

    def _deserialize(self, value, attr, data, **kwargs):
        refuse_blank(self, value)
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs)


class FrenchInstant(fields.Field):
    """"29/06/2027 14:30" (or "14h30", "14 h 30"), French time; or an aware
    ISO 8601 instant from a back-office tool."""

    default_error_messages = {"invalid": "Date et heure attendues au format jj/mm/aaaa hh:mm (heure de Paris)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise self.make_error("invalid")
            return value
        refuse_blank(self, value)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
        found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})\s*[h:H]\s*(\d{2})", text.replace("\u00a0", " "))
        if not found:
            raise self.make_error("invalid")
        day, month, year, hour, minute = (int(g) for g in found.groups())
        try:
            return datetime(year, month, day, hour, minute, tzinfo=PARIS)
        except ValueError:
            raise self.make_error("invalid") from None


class AnneeSchema(Schema):
    annee_scolaire = Year(required=True, validate=ANNEE)


class CampagneSchema(Schema):
    annee_scolaire = Year(required=True, validate=ANNEE)
    ouverture = FrenchInstant(required=True)
    cloture = FrenchInstant(required=True)
    account_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _window(self, data, **kwargs):
        if data["cloture"] <= data["ouverture"]:
            raise ValidationError("La clôture doit suivre l'ouverture.", "cloture")
        if (data["cloture"] - data["ouverture"]).days > MAX_CAMPAIGN_DAYS:
            raise ValidationError(f"Une campagne d'inscription dure au plus {MAX_CAMPAIGN_DAYS} jours.", "cloture")


def _oui_non(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().upper()
    if text in ("O", "OUI", "1", "TRUE"):
        return True
    if text in ("N", "NON", "0", "FALSE", "", "-"):
        return False
    raise ValueError(value)


class OuiNon(fields.Field):
    default_error_messages = {"invalid": "Oui ou non attendu (O ou N)."}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return _oui_non(value)
        except ValueError:
            raise self.make_error("invalid") from None


class VoeuSchema(Schema):
    class Meta:
        unknown = RAISE

    rang = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    libelle = fields.String(required=True, validate=validate.Length(min=1, max=200))
    resultat = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AffectationSchema(Schema):
    """One line of the assignment results (docs/inscription.md, "Import")."""

    class Meta:
        unknown = EXCLUDE

    ine = fields.String(required=True, validate=INE)
    nom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    prenom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    college_uai = fields.String(required=True, validate=UAI)
    college_nom = fields.String(required=True, validate=validate.Length(min=1, max=200))
    college_prive = OuiNon(load_default=False)
    college_telephone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    college_email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    lycee_uai = fields.String(required=True, validate=UAI)
    lycee_nom = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lycee_public = OuiNon(load_default=True)
    lycee_adresse = fields.String(load_default="", validate=validate.Length(max=200))
    lycee_code_postal = fields.String(load_default="", validate=validate.Length(max=10))
    lycee_commune = fields.String(load_default="", validate=validate.Length(max=100))
    lycee_academie = fields.String(required=True, validate=validate.Length(min=1, max=40))
    mef = fields.String(required=True, validate=MEF)
    formation_type = fields.String(required=True, validate=validate.Length(min=1, max=10))
    formation = fields.String(required=True, validate=validate.Length(min=1, max=200))
    sections = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    tour = fields.Integer(required=True, validate=validate.Range(min=1, max=9))
    voeux = fields.List(fields.Nested(VoeuSchema), load_default=list)

    @pre_load
    def _strip(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        return data


class ChoixSchema(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=CODE)
    libelle = fields.String(required=True, validate=validate.Length(min=1, max=100))


class OffreSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    lycee_uai = fields.String(required=True, validate=UAI)
    mef = fields.String(required=True, validate=MEF)
    lv1 = fields.List(fields.Nested(ChoixSchema), load_default=list)
    lv2 = fields.List(fields.Nested(ChoixSchema), load_default=list)
    options = fields.List(fields.Nested(ChoixSchema), load_default=list)
    sections = fields.List(fields.Nested(ChoixSchema), load_default=list)
    max_options = fields.Integer(load_default=2, validate=validate.Range(min=0, max=5))


class MessageSchema(Schema):
    message = fields.String(required=True, allow_none=True, validate=validate.Length(max=MAX_MESSAGE))


class ResponsableSchema(Schema):
    """Who acts, as the gateway read them from accounts."""

    class Meta:
        unknown = EXCLUDE

    prenom = fields.String(load_default="", validate=validate.Length(max=100))
    nom = fields.String(load_default="", validate=validate.Length(max=100))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))


class ChoixFormSchema(Schema):
    choix = fields.String(required=True, validate=validate.OneOf(
        ("inscrire", "refuser"), error="Choisissez d'inscrire ou non votre enfant dans cet établissement."))


class VoeuxFormSchema(Schema):
    """Step 2 as posted: codes; what the lycée offers is checked by the service."""

    class Meta:
        unknown = RAISE

    lv1 = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    lv2 = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    options = fields.List(fields.String(validate=validate.Length(max=20)), load_default=list,
                          validate=validate.Length(max=10))
    section = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))

    @pre_load
    def _blank(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data
