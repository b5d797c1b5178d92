"""What crosses the vie scolaire service's boundary: import rows as the
documented CSV files have them (docs/vie_scolaire.md: strings, French dates
and yes/no) or already typed (RPC), and the families' justification form."""
from datetime import datetime, time

from marshmallow import RAISE, Schema, validates_schema

from common.import_rows import RowDate, RowDateTime
from common.schemas import ValidationError, fields, validate
from contract.etablissement import UAI
from services.vie_scolaire.models import NATURES, SURSIS


# What a back office may write for each kind (compared in lower case).
NATURE_SPELLINGS = {
    "absence": "absence", "retard": "retard", "punition": "punition", "sanction": "sanction",
    "mesure": "mesure", "mesure de prévention": "mesure", "mesure d'accompagnement": "mesure",
    "dispense": "dispense", "stage": "stage", "sortie": "sortie", "voyage": "sortie",
    "sortie/voyage": "sortie", "signalement": "signalement", "signalement académique": "signalement",
}
YES = ("oui", "o", "1", "vrai", "x")
NO = ("non", "n", "0", "faux")


class Nature(fields.Field):
    default_error_messages = {"invalid": "nature inconnue : absence, retard, punition, sanction, mesure, dispense, "
                                         "stage, sortie ou signalement attendu."}

    def _deserialize(self, value, attr, data, **kwargs):
        nature = NATURE_SPELLINGS.get(str(value).strip().lower()) if isinstance(value, str) else None
        if nature not in NATURES:
            raise self.make_error("invalid")
        return nature


class OuiNon(fields.Field):
    default_error_messages = {"invalid": "oui ou non attendu."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise self.make_error("invalid")


class HeureMinute(fields.Field):
    default_error_messages = {"invalid": "Heure attendue au format hh:mm (par exemple 12:00)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            for fmt in ("%H:%M", "%Hh%M", "%H:%M:%S"):
                try:
                    return datetime.strptime(value.strip(), fmt).time()
                except ValueError:
                    continue
        raise self.make_error("invalid")


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


class _Row(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "colonne inconnue."}
    ligne = fields.Integer(load_default=None)


class MotifRowSchema(_Row):
    code = _text(20, required=True)
    libelle = _text(100, required=True)
    parents = OuiNon(load_default=False)


class TypePunitionRowSchema(_Row):
    code = _text(20, required=True)
    libelle = _text(100, required=True)


class PeriodeRowSchema(_Row):
    classe = fields.String(load_default="", validate=validate.Length(max=40))
    numero = fields.Integer(required=True, validate=validate.Range(min=1, max=3, error="1, 2 ou 3 attendu."))
    libelle = _text(60, required=True)
    debut = RowDate(required=True)
    fin = RowDate(required=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data["fin"] < data["debut"]:
            raise ValidationError("la fin de la période précède son début.", "fin")


class EvenementRowSchema(_Row):
    """One line of the events file (docs/vie_scolaire.md). Which columns each
    kind takes is checked by importing.check_kind."""

    ref = _text(40, required=True)
    eleve = _text(20, required=True)
    nature = Nature(required=True)
    debut = RowDateTime(required=True)
    fin = RowDateTime(load_default=None)
    minutes = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=600, error="durée du retard entre 1 et 600 minutes."))
    motif = fields.String(load_default=None, validate=validate.Length(max=20))
    type = fields.String(load_default=None, validate=validate.Length(max=30))
    duree = fields.Integer(load_default=None, validate=validate.Range(min=1, error="durée positive attendue."))
    sursis = fields.String(load_default=None, validate=validate.OneOf(
        SURSIS, error="« total » ou « partiel » attendu."))
    detail = fields.String(load_default=None, validate=validate.Length(max=500))
    justifiee = OuiNon(load_default=None)
    publiable_en_ligne = OuiNon(load_default=None)
    famille_avisee = OuiNon(load_default=None)
    saisie_le = RowDateTime(load_default=None)
    annulation = fields.String(load_default=None, validate=validate.OneOf(
        ("erreur de saisie",), error="seule la valeur « erreur de saisie » est admise."))


class SettingsSchema(Schema):
    uai = fields.String(required=True, validate=UAI)
    heure_demi_journee = HeureMinute(required=True)
    account_id = fields.Integer(load_default=None, allow_none=True)


# A justification's document: PDF or image, checked by content (documents.py).
MAX_COMMENT = 1000


class DocumentSchema(Schema):
    nom = fields.String(required=True, validate=validate.Length(min=1, max=120))
    contenu = fields.String(required=True)  # base64


class AuteurSchema(Schema):
    """Who justifies, as the gateway knows them from the session: the answer is
    mailed to this address."""

    # An adult student may have given no address: the answer is then only on the page.
    email = fields.String(required=True, allow_none=True)
    prenom = fields.String(required=True)
    nom = fields.String(required=True)
    eleve_prenom = fields.String(required=True)
    eleve_nom = fields.String(required=True)
    etablissement_nom = fields.String(required=True)


class JustificationSchema(Schema):
    motif = fields.String(required=True, validate=validate.Length(min=1, max=20))
    commentaire = fields.String(load_default="", validate=validate.Length(
        max=MAX_COMMENT, error=f"{MAX_COMMENT} caractères au maximum."))
    document = fields.Nested(DocumentSchema, load_default=None, allow_none=True)


class DecisionSchema(Schema):
    accepter = fields.Boolean(required=True)
    raison = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _reason_when_refused(self, data, **kwargs):
        if not data["accepter"] and not (data.get("raison") or "").strip():
            raise ValidationError("Indiquez la raison du refus\u00a0: la famille la lira.", "raison")
