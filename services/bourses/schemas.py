"""What crosses the bourses service's boundary: the barème and campaigns the
académie loads, the family's form, the school's review. Values arrive as a
person typed them (strings with spaces, French dates) or already typed (RPC)."""
import re
from datetime import date, datetime

from marshmallow import RAISE, Schema, validates_schema

from common.schemas import ValidationError, fields, validate
from contract.bourses import SITUATIONS
from contract.etablissement import UAI
from services.bourses.models import ECHELONS, NIVEAUX, VIE_MARITALE

NIVEAU = validate.OneOf(NIVEAUX, error="Niveau attendu : college ou lycee.")
ANNEE = validate.Range(min=2000, max=2100, error="Année scolaire invalide (par exemple 2026 pour 2026-2027).")
# A household declares its dependent children: more than this is a typing mistake.
MAX_ENFANTS = 20
# Reference tax incomes far above every ceiling are typing mistakes (an extra zero).
MAX_REVENU = 10_000_000


class Euros(fields.Field):
    """A whole number of euros, as a person types it: "17927", "17 927",
    "17 927 €"; cents are refused (the tax notice has none)."""

    default_error_messages = {
        "invalid": "Indiquez un montant en euros, en chiffres (par exemple 17 927).",
        "cents": "Indiquez un montant en euros, sans centimes, tel qu'il figure sur l'avis d'impôt.",
        "negative": "Le revenu fiscal de référence ne peut pas être négatif.",
        "absurd": "Montant invraisemblable : vérifiez le revenu fiscal de référence de votre avis d'impôt.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise self.make_error("cents")
            number = int(value)
        elif isinstance(value, str):
            text = re.sub(r"[\s\u00a0\u202f€]", "", value)
            if re.fullmatch(r"-?\d+[,.]\d+", text):
                raise self.make_error("cents")
            if not re.fullmatch(r"-?\d{1,12}", text):
                raise self.make_error("invalid")
            number = int(text)
        else:
            raise self.make_error("invalid")
        if number < 0:
            raise self.make_error("negative")
        if number > MAX_REVENU:
            raise self.make_error("absurd")
        return number


class Count(fields.Integer):
    """An integer typed in a form ("3", " 3 ")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs)


class FrenchDate(fields.Field):
    """jj/mm/aaaa or aaaa-mm-jj."""

    default_error_messages = {"invalid": "Date attendue au format jj/mm/aaaa."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
                try:
                    return datetime.strptime(value.strip(), fmt).date()
                except ValueError:
                    continue
        raise self.make_error("invalid")


class UaiSchema(Schema):
    uai = fields.String(required=True, validate=UAI)


# -- back office: barème and campaigns ----------------------------------------
class EchelonSchema(Schema):
    class Meta:
        unknown = RAISE

    echelon = fields.Integer(required=True, strict=True)
    montant_annuel = fields.Integer(required=True, strict=True)
    plafonds = fields.List(fields.Integer(strict=True), required=True)


class BaremeSchema(Schema):
    annee_scolaire = fields.Integer(required=True, strict=True, validate=ANNEE)
    niveau = fields.String(required=True, validate=NIVEAU)
    echelons = fields.List(fields.Nested(EchelonSchema), required=True)


class CampagneSchema(Schema):
    campagne_id = fields.Integer(load_default=None, allow_none=True)
    annee_scolaire = Count(required=True, validate=ANNEE)
    niveau = fields.String(required=True, validate=NIVEAU)
    ouverture = FrenchDate(required=True)
    cloture = FrenchDate(required=True)
    account_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _window(self, data, **kwargs):
        if data["cloture"] < data["ouverture"]:
            raise ValidationError("La clôture ne peut pas précéder l'ouverture.", "cloture")
        if (data["cloture"] - data["ouverture"]).days > 366:
            raise ValidationError("Une campagne dure moins d'un an.", "cloture")


# -- the family's form ----------------------------------------------------------
class PersonSchema(Schema):
    """Who files, and for whom, as the gateway read them from accounts."""

    prenom = fields.String(load_default="", validate=validate.Length(max=100))
    nom = fields.String(load_default="", validate=validate.Length(max=100))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    classe = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class FormSchema(Schema):
    """The application's fields. Loaded with partial=True for a draft (any
    field may be missing, none may be wrong), in full to file it."""

    situation = fields.String(required=True, validate=validate.OneOf(
        tuple(SITUATIONS), error="Choisissez la situation du foyer dans la liste."))
    enfants_a_charge = Count(required=True, validate=[
        validate.Range(min=1, error="Comptez au moins l'enfant pour qui vous demandez la bourse : "
                                    "1 enfant à charge au minimum."),
        validate.Range(max=MAX_ENFANTS, error=f"Nombre d'enfants à charge invraisemblable ({MAX_ENFANTS} au plus).")])
    revenu_fiscal_reference = Euros(required=True)
    revenu_fiscal_reference_2 = Euros(load_default=None, allow_none=True)
    annee_avis = Count(required=True, validate=validate.Range(
        min=2000, max=2100, error="Année de l'avis d'impôt invalide (par exemple 2026)."))

    @validates_schema
    def _second_notice(self, data, partial=False, **kwargs):
        if data.get("situation") == VIE_MARITALE and data.get("revenu_fiscal_reference_2") is None and not partial:
            raise ValidationError("Un couple en vie maritale déclare deux avis : indiquez le revenu fiscal de "
                                  "référence du second.", "revenu_fiscal_reference_2")


def blank_to_none(form) -> dict:
    """A form posted with empty inputs: an empty field is a missing one."""
    if not isinstance(form, dict):
        return {}
    return {k: v for k, v in form.items() if not (v is None or (isinstance(v, str) and not v.strip()))}


# -- the school's review --------------------------------------------------------
ACTIONS = ("complete", "piece_manquante", "accorder", "refuser")


class ReviewSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS, error="Action inconnue."))
    echelon = Count(load_default=None, allow_none=True)
    piece = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    motif = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    account_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _details(self, data, **kwargs):
        if data["action"] == "piece_manquante" and not (data.get("piece") or "").strip():
            raise ValidationError("Indiquez la pièce qui manque au dossier.", "piece")
        if data["action"] == "refuser" and not (data.get("motif") or "").strip():
            raise ValidationError("Indiquez le motif du refus : il figure sur la notification.", "motif")
        if data["action"] == "accorder" and data.get("echelon") is None:
            raise ValidationError("Indiquez l'échelon accordé.", "echelon")


def echelon_range_error(niveau: str, echelon: int) -> str | None:
    top = ECHELONS[niveau]
    if 1 <= echelon <= top:
        return None
    return f"Échelon de 1 à {top}."

