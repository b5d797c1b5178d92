"""What crosses the mailer's boundary. A request to send is checked by
common.mail's MailRequestSchema (the senders use it before queueing; the mailer
checks again); here: the outbox as callers and the staff view see it."""
from marshmallow import Schema, validates_schema

from common.mail import KINDS
from common.schemas import ValidationError, fields, validate
from contract.etablissement import UAI
from services.mailer.models import STATUSES


class OutboxEntrySchema(Schema):
    """One message as the staff view shows it: who, what, when, where it is.
    Never its body: some carry a link that opens an account."""

    id = fields.Integer()
    request_id = fields.String()
    kind = fields.String()
    kind_label = fields.Function(lambda row: KINDS[row.kind].label if row.kind in KINDS else row.kind)
    recipient = fields.String()
    recipient_name = fields.String(allow_none=True)
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    not_before = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)


class OutboxQuerySchema(Schema):
    """The staff view's filters. Staff pass their establishment; only an
    académie operator asks for every establishment."""

    etablissement_uai = fields.String(load_default=None, allow_none=True,
                                      validate=UAI)
    all_etablissements = fields.Boolean(load_default=False)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    recipient = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _scope(self, data, **kwargs):
        if not data["all_etablissements"] and not data["etablissement_uai"]:
            raise ValidationError({"etablissement_uai": ["Ce champ est obligatoire."]})


class StatusQuerySchema(Schema):
    """Request ids, as `common.mail.mail_request` makes them."""

    request_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
