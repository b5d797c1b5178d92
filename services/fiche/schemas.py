"""What crosses the fiche service's boundary besides the fields themselves
(their rules are services.fiche.validation): the school's decisions, the
import payload's frame, the export's period."""
from marshmallow import Schema

from common.schemas import fields, validate
from contract.etablissement import UAI



class DecisionSchema(Schema):
    demande_id = fields.Integer(required=True, strict=True)
    decision = fields.String(required=True, validate=validate.OneOf(("accepter", "refuser")))
    motif = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class DecisionsSchema(Schema):
    uai = fields.String(required=True, validate=UAI)
    eleve_id = fields.Integer(required=True, strict=True)
    account_id = fields.Integer(required=True, strict=True)
    decisions = fields.List(fields.Nested(DecisionSchema), required=True, validate=validate.Length(min=1, max=200))


class EtablissementSchema(Schema):
    uai = fields.String(required=True, validate=UAI)
    nom = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ImportSchema(Schema):
    """The frame only: each record is checked by the import, which skips the
    ones it cannot take and says why."""

    etablissement = fields.Nested(EtablissementSchema, required=True)
    eleves = fields.List(fields.Dict(), load_default=list)
    personnes = fields.List(fields.Dict(), load_default=list)
    liens = fields.List(fields.Dict(), load_default=list)


class ExportSchema(Schema):
    uai = fields.String(required=True, validate=UAI)
    depuis = fields.AwareDateTime(load_default=None, allow_none=True)
    jusqu_a = fields.AwareDateTime(load_default=None, allow_none=True)
