"""What the gateway and every feature service exchange to compose a child's
pages (ARCHITECTURE rules 3 and 4): who is looking at which child, and a menu
entry. The RPC methods that carry them are common.contract.FeatureContract's."""
from marshmallow import Schema, fields, validate

from contract.etablissement import UAI

ROLES = ("responsable", "eleve")


class ChildContextSchema(Schema):
    """Who is looking at which child. Built by the gateway after it checked the
    link with accounts; a service answers only for this child."""

    eleve_id = fields.Integer(required=True)
    etablissement_uai = fields.String(required=True, validate=UAI)
    viewer_account_id = fields.Integer(required=True)
    viewer_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    # An adult student acts for themself (LSL, fiche) where a minor's guardians would.
    eleve_majeur = fields.Boolean(required=True)
    # Set for a student who left the académie and whom the family still sees
    # (accounts' rule): only a service that serves former students answers.
    sorti_le = fields.Date(load_default=None, allow_none=True)


class MenuEntrySchema(Schema):
    label = fields.String(required=True)
    path = fields.String(required=True)
    order = fields.Integer(load_default=50)


child_context_schema = ChildContextSchema()
menu_entry_schema = MenuEntrySchema()
