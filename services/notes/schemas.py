"""What crosses the notes service's boundary: import rows (one per grade, as in
the documented CSV file, docs/notes.md) and subject rows. Values arrive as the
file has them (strings, French decimals and dates) or already typed (RPC)."""
from decimal import Decimal, InvalidOperation

from marshmallow import RAISE, Schema, validates_schema

from common.import_rows import RowDate, RowDateTime
from common.schemas import ValidationError, fields, validate
from contract.etablissement import UAI
from services.notes.models import CODES, PUBLICATION_MODES

# What a back office may write for each code (compared without case or accents' variants).
CODE_SPELLINGS = {
    "abs": "ABS", "absent": "ABS", "absente": "ABS",
    "disp": "DISP", "dispense": "DISP", "dispensé": "DISP", "dispensée": "DISP",
    "nn": "NN", "non note": "NN", "non noté": "NN", "non notée": "NN",
}


class FrenchDecimal(fields.Field):
    """12,5 or 12.5 (or a number), at most two decimals."""

    default_error_messages = {"invalid": "nombre attendu (par exemple 12,5).",
                              "precision": "deux décimales au plus."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, (int, float, Decimal)):
            text = str(value)
        elif isinstance(value, str):
            text = value.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
        else:
            raise self.make_error("invalid")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not number.is_finite():
            raise self.make_error("invalid")
        if number != number.quantize(Decimal("0.01")):
            raise self.make_error("precision")
        return number


class NoteValue(fields.Field):
    """A grade: a number, or a code (ABS, DISP, NN). Loads as (valeur, code)."""

    default_error_messages = {"invalid": "note attendue : un nombre, ou ABS (absent), DISP (dispensé), "
                                         "NN (non noté)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            code = CODE_SPELLINGS.get(value.strip().lower())
            if code is not None:
                return (None, code)
            if value.strip().upper() in CODES:
                return (None, value.strip().upper())
        try:
            return (FrenchDecimal()._deserialize(value, attr, data), None)
        except ValidationError:
            raise self.make_error("invalid") from None


class TeachersField(fields.Field):
    """Names separated by commas (or a list of names)."""

    def _deserialize(self, value, attr, data, **kwargs):
        names = value if isinstance(value, list) else str(value).split(",")
        return [n.strip() for n in names if str(n).strip()]


class GradeRowSchema(Schema):
    """One line of the grades file: an evaluation's description (repeated on each
    of its lines) and one student's grade."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "colonne inconnue."}

    ligne = fields.Integer(load_default=None)
    evaluation = fields.String(required=True, validate=validate.Length(min=1, max=40))
    matiere = fields.String(required=True, validate=validate.Length(min=1, max=20))
    groupe = fields.String(required=True, validate=validate.Length(min=1, max=40))
    enseignants = TeachersField(load_default=list)
    date = RowDate(required=True)
    titre = fields.String(required=True, validate=validate.Length(min=1, max=200))
    coefficient = FrenchDecimal(required=True, validate=[
        validate.Range(min=0, error="le coefficient ne peut pas être négatif."),
        validate.Range(max=100, error="le coefficient ne peut pas dépasser 100.")])
    bareme = FrenchDecimal(required=True, validate=validate.Range(
        min=0, min_inclusive=False, max=1000, error="le barème doit être un nombre positif (20 pour une note sur 20)."))
    date_publication = RowDate(load_default=None)
    eleve = fields.String(required=True, validate=validate.Length(min=1, max=20))
    note = NoteValue(required=True)
    saisie_le = RowDateTime(load_default=None)

    @validates_schema
    def _note_within_scale(self, data, **kwargs):
        valeur, _code = data.get("note", (None, None))
        bareme = data.get("bareme")
        if valeur is None or bareme is None:
            return
        if valeur < 0:
            raise ValidationError("la note ne peut pas être négative.", "note")
        if valeur > bareme:
            raise ValidationError(f"la note {_fr(valeur)} est supérieure au barème (/{_fr(bareme)}).", "note")


class MatiereRowSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "colonne inconnue."}

    ligne = fields.Integer(load_default=None)
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    libelle = fields.String(required=True, validate=validate.Length(min=1, max=100))


class SubjectRequestSchema(Schema):
    """The subject a family opens (an id from the page's own link, or typed)."""

    subject_id = fields.Integer(required=True, strict=True)


class PublicationModeSchema(Schema):
    uai = fields.String(required=True, validate=UAI)
    mode = fields.String(required=True, validate=validate.OneOf(PUBLICATION_MODES))
    account_id = fields.Integer(load_default=None, allow_none=True)


def _fr(number: Decimal) -> str:
    text = f"{number.normalize():f}"
    return text.replace(".", ",")


# -- what the family pages receive -------------------------------------------
class AverageSchema(Schema):
    moyenne = fields.Float(allow_none=True)
    notes_comptees = fields.Integer()
    codes = fields.Dict(keys=fields.String(), values=fields.Integer())
    coefficient_zero = fields.Integer()


class SubjectTileSchema(AverageSchema):
    id = fields.Integer()
    libelle = fields.String()
    enseignants = fields.List(fields.String())
    nb_notes = fields.Integer()
    nouvelles_notes = fields.Integer()
    derniere_note = fields.Date()


class SubjectsPageSchema(Schema):
    publication_mode = fields.String()
    matieres = fields.List(fields.Nested(SubjectTileSchema))
    moyenne_generale = fields.Float(allow_none=True)
    matieres_avec_moyenne = fields.Integer()
    version = fields.String()


class GradeLineSchema(Schema):
    date = fields.Date()
    titre = fields.String()
    coefficient = fields.Float()
    bareme = fields.Float()
    valeur = fields.Float(allow_none=True)
    code = fields.String(allow_none=True)
    code_libelle = fields.String(allow_none=True)
    nouvelle = fields.Boolean()
    enseignants = fields.List(fields.String())
    moyenne_classe = fields.Float(allow_none=True)
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)


class MatiereViewSchema(Schema):
    id = fields.Integer()
    libelle = fields.String()
    enseignants = fields.List(fields.String())


class SubjectDetailSchema(AverageSchema):
    publication_mode = fields.String()
    matiere = fields.Nested(MatiereViewSchema)
    notes = fields.List(fields.Nested(GradeLineSchema))


class SettingsSchema(Schema):
    etablissement_uai = fields.String()
    publication_mode = fields.String()
    changed_at = fields.DateTime(allow_none=True)
    changed_by = fields.Integer(allow_none=True)
