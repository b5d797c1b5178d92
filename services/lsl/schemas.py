"""What crosses the LSL service's boundary: the families' requests, the
school's decisions, and a plain-JSON form of the pages' data."""
from datetime import date, datetime
from decimal import Decimal

from marshmallow import RAISE, Schema, validates_schema

from common.schemas import ValidationError, fields, validate
from contract.etablissement import UAI
from services.lsl.codes import PARTIES
from services.lsl.models import ACCEPTEE, DEMANDE_TYPES, EN_ATTENTE, REFUSEE, RECTIFICATION



class AuteurSchema(Schema):
    """Who makes the request, as the gateway's session knows them."""

    prenom = fields.String(required=True, validate=validate.Length(max=100))
    nom = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))


class DemandeSchema(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True, validate=validate.OneOf(DEMANDE_TYPES))
    partie = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(list(PARTIES), error="Choisissez la partie du livret concernée."))
    objet = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    commentaire = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _rectification_says_what(self, data, **kwargs):
        if data["type"] != RECTIFICATION:
            return
        errors = {}
        if not data.get("partie"):
            errors["partie"] = ["Choisissez la partie du livret concernée."]
        if not (data.get("objet") or "").strip():
            errors["objet"] = ["Indiquez ce qui est inexact."]
        if errors:
            raise ValidationError(errors)


class DecisionSchema(Schema):
    uai = fields.String(required=True, validate=UAI)
    demande_id = fields.Integer(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(
        (ACCEPTEE, REFUSEE), error="Choisissez d'accepter ou de refuser la demande."))
    reponse = fields.String(load_default="", validate=validate.Length(max=2000))
    account_id = fields.Integer(required=True)


ETATS = (EN_ATTENTE, ACCEPTEE, REFUSEE)


def plain(value):
    """The pages' data as JSON: decimals as numbers, dates as ISO strings."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
