"""News: what a feature service tells the accounts service about each child,
so that the home page learns "what is new since your last connection" from the
same call that says who is logged in (one RPC for the whole page, however many
services are deployed).

Most kinds count what became visible since the previous connection ("4
nouvelles notes"). A `cumulative` kind counts instead every item whose window
holds the present instant, from `visible_from` to `visible_until`, whatever the
previous connection: a running total such as "5 demi-journées d'absence ce
trimestre" (guide § 3.1), where the service closes each item's window at the
end of its period.

The service keeps the rule (when a grade becomes visible, what counts as news);
accounts keeps a copy of the result, fed by these events (ARCHITECTURE rule 1):
one row per item, keyed by the service's own key, with the instant from which
families may see it. Sending an item again replaces it (a changed publication
date); `visible_from=None` withdraws it (a grade deleted). Delivery is a work
event, persistent and confirmed: a lost item would be a wrong count forever.
"""
import uuid
from datetime import datetime

from marshmallow import Schema, fields, validate

BATCH = 500


class NewsKindSchema(Schema):
    one = fields.String(required=True)       # "1 nouvelle note"
    many = fields.String(required=True)      # "{n} nouvelles notes"
    path = fields.String(required=True)      # the page under /eleve/<id>, e.g. "/notes/"
    # Counted over each item's window, not since the previous connection.
    cumulative = fields.Boolean(load_default=False)


class NewsItemSchema(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=80))
    eleve_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.Length(min=1, max=30))
    visible_from = fields.AwareDateTime(required=True, allow_none=True)
    # A cumulative kind's item stops counting then (None: never).
    visible_until = fields.AwareDateTime(load_default=None, allow_none=True)
    weight = fields.Integer(load_default=1)


class NewsEventSchema(Schema):
    event_id = fields.String(required=True)
    service = fields.String(required=True)
    kinds = fields.Dict(keys=fields.String(), values=fields.Nested(NewsKindSchema), required=True)
    items = fields.List(fields.Nested(NewsItemSchema), required=True)


def item(key: str, eleve_id: int, kind: str, visible_from: datetime | None, weight: int = 1,
         visible_until: datetime | None = None) -> dict:
    return {"key": key, "eleve_id": eleve_id, "kind": kind,
            "visible_from": visible_from.isoformat() if visible_from else None, "weight": weight,
            "visible_until": visible_until.isoformat() if visible_until else None}


def events(service: str, kinds: dict, items: list[dict]) -> list[dict]:
    """The payloads of the `news` events carrying these items, in batches."""
    return [{"event_id": uuid.uuid4().hex, "service": service, "kinds": kinds, "items": items[i:i + BATCH]}
            for i in range(0, len(items), BATCH)]
