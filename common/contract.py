"""The contract every feature service implements so the gateway can compose a
child's menu and home page without knowing the service (ARCHITECTURE rule 4).

One RPC method, `overview(children, since)`, answers for all the children of
one page at once (one call per service, not per child and service): for each
child, the service's menu entry for this viewer (or none: not open, not for
this viewer) and its home tiles of what is new since `since`.

A service implements `menu_entry(child)` and `tiles(child, since)`; the mixin
validates what comes in and goes out.
"""
from datetime import datetime

from marshmallow import Schema, fields, validate

from common.messaging import rpc

ROLES = ("responsable", "eleve")


class ChildContextSchema(Schema):
    """Who is looking at which child. Built by the gateway after it checked the
    link with accounts; a service answers only for this child."""

    eleve_id = fields.Integer(required=True)
    etablissement_uai = fields.String(required=True)
    viewer_account_id = fields.Integer(required=True)
    viewer_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    # An adult student acts for themself (LSL, fiche) where a minor's guardians would.
    eleve_majeur = fields.Boolean(required=True)


class MenuEntrySchema(Schema):
    label = fields.String(required=True)
    path = fields.String(required=True)
    order = fields.Integer(load_default=50)


class TileSchema(Schema):
    text = fields.String(required=True)
    path = fields.String(required=True)


class OverviewSchema(Schema):
    eleve_id = fields.Integer(required=True)
    menu = fields.Nested(MenuEntrySchema, allow_none=True)
    tiles = fields.List(fields.Nested(TileSchema), required=True)


child_context_schema = ChildContextSchema()
overview_schema = OverviewSchema()


class FeatureContract:
    """Mixin for a Nameko service class."""

    def menu_entry(self, child: dict) -> dict | None:
        raise NotImplementedError

    def tiles(self, child: dict, since: datetime | None) -> list[dict]:
        raise NotImplementedError

    @rpc
    def overview(self, children, since=None):
        """Called by the gateway for every page that shows a menu (and for the
        home page with `since`, the viewer's previous connection). Answers one
        item per child, in order."""
        contexts = child_context_schema.load(children, many=True)
        since_dt = datetime.fromisoformat(since) if since else None
        out = []
        for child in contexts:
            entry = self.menu_entry(child)
            out.append({
                "eleve_id": child["eleve_id"],
                "menu": entry,
                "tiles": self.tiles(child, since_dt) if entry and since_dt else [],
            })
        return overview_schema.dump(out, many=True)
