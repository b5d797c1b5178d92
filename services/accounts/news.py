"""The accounts service's copy of what feature services say is new (contract.news):
stored as it arrives, counted for the home page's tiles."""
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from common.news import NewsEventSchema
from common.schemas import load_or_raise
from services.accounts.models import NewsItem, NewsKind

# An account unused for 365 days is purged, so no previous connection is older:
# news visible for longer than that can never be counted again.
KEEP = timedelta(days=366)


def store(db: Session, payload: dict) -> None:
    """Upsert every item (a key sent again replaces its row) and the kinds' wording."""
    data = load_or_raise(NewsEventSchema(), payload)
    service = data["service"]
    for kind, words in data["kinds"].items():
        row = db.get(NewsKind, (service, kind)) or NewsKind(service=service, kind=kind)
        row.text_one, row.text_many, row.path = words["one"], words["many"], words["path"]
        row.cumulative = words["cumulative"]
        db.add(row)
    keys = [item["key"] for item in data["items"]]
    existing = {row.key: row for row in db.scalars(
        select(NewsItem).where(NewsItem.service == service, NewsItem.key.in_(keys)))}
    for item in data["items"]:
        row = existing.get(item["key"])
        if row is None:
            row = NewsItem(service=service, key=item["key"])
            db.add(row)
            existing[item["key"]] = row
        row.eleve_id, row.kind, row.visible_from, row.visible_until, row.weight = (
            item["eleve_id"], item["kind"], item["visible_from"], item["visible_until"], item["weight"])


def tiles(db: Session, eleve_ids: list[int], since: datetime | None, now: datetime) -> dict[int, list[dict]]:
    """{eleve_id: [{"service", "kind", "count", "text", "path"}]}: what became
    visible after `since` (the previous connection; everything visible so far
    on a first connection) and by `now`; for a cumulative kind, every item
    whose window holds `now`, whatever `since`. Only tiles with something to say."""
    if not eleve_ids:
        return {}
    values = {"eleve_ids": list(eleve_ids), "now": now}
    if since is not None:
        values["since"] = since
    rows = db.execute(_TILES[since is not None], values)
    out: dict[int, list[dict]] = {}
    for eleve_id, service, kind, count, one, many, path in rows:
        if count and count > 0:
            text = one if count == 1 else many.format(n=count)
            out.setdefault(eleve_id, []).append(
                {"service": service, "kind": kind, "count": int(count), "text": text, "path": path})
    return out


def _tiles_statement(with_since: bool):
    now = bindparam("now")
    conditions = [NewsItem.eleve_id.in_(bindparam("eleve_ids", expanding=True)), NewsItem.visible_from <= now]
    cumulative = NewsKind.cumulative.is_(True) & (NewsItem.visible_until.is_(None) | (NewsItem.visible_until > now))
    if with_since:
        conditions.append(cumulative | (NewsKind.cumulative.is_(False) & (NewsItem.visible_from > bindparam("since"))))
    else:
        conditions.append(cumulative | NewsKind.cumulative.is_(False))
    return (
        select(NewsItem.eleve_id, NewsItem.service, NewsItem.kind, func.sum(NewsItem.weight),
               NewsKind.text_one, NewsKind.text_many, NewsKind.path)
        .join(NewsKind, (NewsKind.service == NewsItem.service) & (NewsKind.kind == NewsItem.kind))
        .where(*conditions)
        .group_by(NewsItem.eleve_id, NewsItem.service, NewsItem.kind,
                  NewsKind.text_one, NewsKind.text_many, NewsKind.path)
        .order_by(NewsItem.service, NewsItem.kind))


# Built once (every home page's view runs them; building one cost about as
# much as running it): {previous connection known: statement}.
_TILES = {False: _tiles_statement(False), True: _tiles_statement(True)}
_NEXT_VISIBLE = (select(func.min(NewsItem.visible_from))
                 .where(NewsItem.eleve_id.in_(bindparam("eleve_ids", expanding=True)),
                        NewsItem.visible_from > bindparam("now")))


def next_visible(db: Session, eleve_ids: list[int], now: datetime) -> datetime | None:
    """When the tiles of these children next change by time alone (an item
    already sent, visible later): the gateway caches them until then at most."""
    if not eleve_ids:
        return None
    return db.scalar(_NEXT_VISIBLE, {"eleve_ids": list(eleve_ids), "now": now})


def forget_old(db: Session, now: datetime) -> int:
    """Delete the items no tile can count any more (and withdrawn ones)."""
    result = db.execute(delete(NewsItem).where(
        (NewsItem.visible_from < now - KEEP) | NewsItem.visible_from.is_(None)))
    return result.rowcount
