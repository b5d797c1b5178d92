"""Composing each child's menu and home tiles from the deployed services
(ARCHITECTURE rules 2 and 4).

Menus come from the worker's cache (gateway/menus.py); on a miss, one `menus`
call per service for all the children of the page, all in flight at once,
each bounded by MENU_TIMEOUT. A deployed service that is down is shown as
"momentanément indisponible"; one not deployed is never asked.

Home tiles come with the session (one call for the whole page, see
common/news.py, or none when the view cache has them, gateway/view_cache.py);
the menu decides which of them to show.
"""
import os
import threading

from flask import current_app, g

from common.clock import school_year
from gateway import rpc
from gateway.menus import HEARTBEAT, MAX_ENTRIES, ServiceWatch

_watch_lock = threading.Lock()
_watch: dict[int, ServiceWatch] = {}


def watch() -> ServiceWatch:
    """The worker process's ServiceWatch, started on first use (after the fork)."""
    pid = os.getpid()
    w = _watch.get(pid)
    if w is None:
        with _watch_lock:
            w = _watch.get(pid)
            if w is None:
                cfg = current_app.config
                w = ServiceWatch(cfg["AMQP_URI"], list(cfg["FEATURE_SERVICES"]), cfg["ALIVE_WITHIN"],
                                 max_entries=cfg.get("MENU_CACHE_ENTRIES", MAX_ENTRIES),
                                 heartbeat=cfg.get("WATCH_HEARTBEAT", HEARTBEAT))
                w.start()
                _watch.clear()
                _watch[pid] = w
    return w


def child_context(viewer: dict, child: dict) -> dict:
    return {
        "eleve_id": child["eleve_id"],
        "etablissement_uai": child["etablissement_uai"],
        "viewer_account_id": viewer["id"],
        "viewer_role": viewer["role"],
        "eleve_majeur": child["eleve_majeur"],
        "sorti_le": child.get("sorti_le"),
    }


# In a cache key instead of the child's id: an entry that the service said
# holds for every child of the establishment (`per_child` False in its answer,
# common/contract.py `menu_per_child`).
EVERY_CHILD = "*"


def _cache_key(service: str, viewer: dict, child: dict, year: int, per_child: bool = True) -> tuple:
    # What a menu entry may depend on: the establishment's openings for the
    # school year, the child (unless the service said otherwise), the viewer's
    # role, whether the student is an adult and whether they left.
    return (service, child["eleve_id"] if per_child else EVERY_CHILD, child["etablissement_uai"], viewer["role"],
            child["eleve_majeur"], child.get("sorti_le"), year)


def _cached_menu(w, service: str, viewer: dict, child: dict, year: int):
    """(found, entry): the child's own entry, else the establishment's."""
    found = w.cached_menu(_cache_key(service, viewer, child, year))
    if found[0]:
        return found
    return w.cached_menu(_cache_key(service, viewer, child, year, per_child=False))


def _unavailable(name: str, settings: dict) -> dict:
    return {"label": settings.get("label", name), "path": None, "service": name,
            "order": settings.get("order", 50), "unavailable": True}


def compose_menus(viewer: dict) -> dict[int, list[dict]]:
    """{eleve_id: [entries]} for every child of the viewer, sorted. An entry is
    {"label", "path", "service", "order", "unavailable"}. Composed once per
    request: the page's side menu and its header's ☰ menu show the same."""
    composed = g.get("composed_menus")
    if composed is not None and composed[0] is viewer:
        return composed[1]
    out = _compose_menus(viewer)
    g.composed_menus = (viewer, out)
    return out


def _compose_menus(viewer: dict) -> dict[int, list[dict]]:
    children = viewer["children"]
    services = current_app.config["FEATURE_SERVICES"]
    w = watch()
    year = school_year(current_app.config["CLOCK"].today())
    out = {c["eleve_id"]: [] for c in children}
    to_ask = {}
    for name, settings in services.items():
        if w.is_down(name):
            for entries in out.values():
                entries.append(_unavailable(name, settings))
            continue
        hits = {c["eleve_id"]: _cached_menu(w, name, viewer, c, year) for c in children}
        if all(found for found, _ in hits.values()):
            for eleve_id, (_, entry) in hits.items():
                if entry:
                    out[eleve_id].append({**entry, "service": name, "unavailable": False})
        else:
            to_ask[name] = w.generation(name)
    if to_ask:
        contexts = [child_context(viewer, c) for c in children]
        timeout = current_app.config["MENU_TIMEOUT"]
        pendings = [rpc.call_async(name, "menus", timeout=timeout, children=contexts) for name in to_ask]
        for (name, generation), result in zip(to_ask.items(), rpc.gather(pendings)):
            if isinstance(result, Exception):
                current_app.logger.warning("service %s did not answer its menu: %r", name, result)
                for entries in out.values():
                    entries.append(_unavailable(name, services[name]))
                continue
            w.heard(name)
            by_child = {item["eleve_id"]: item for item in result}
            for c in children:
                item = by_child.get(c["eleve_id"]) or {}
                entry = item.get("menu")
                w.store_menu(_cache_key(name, viewer, c, year, item.get("per_child", True)), entry, generation)
                if entry:
                    out[c["eleve_id"]].append({**entry, "service": name, "unavailable": False})
    for entries in out.values():
        entries.sort(key=lambda e: (e["order"], e["label"]))
    return out


def home_tiles(child: dict, menu: list[dict]) -> list[dict]:
    """The child's tiles of what is new since the previous connection: they
    come with the session (accounts keeps the services' news, common.news),
    shown only for services that have an entry in the child's menu (open, for
    this viewer), and as unavailable for a service that is down."""
    entries = {e["service"]: e for e in menu}
    tiles = []
    for tile in child.get("tiles", []):
        entry = entries.get(tile["service"])
        if entry is not None:
            tiles.append({**tile, "unavailable": entry["unavailable"],
                          **({"text": entry["label"]} if entry["unavailable"] else {})})
    return tiles


def header_menus() -> dict[int, list[dict]]:
    """Each child's menu for the header's ☰ menu on a phone (issue 13 § 6),
    for a family viewer who sees the services; {} otherwise."""
    viewer = g.get("viewer")
    if not viewer or viewer.get("role") not in ("responsable", "eleve") or viewer.get("must_change_password") \
            or viewer.get("must_confirm_email") or not viewer.get("children"):
        return {}
    return compose_menus(viewer)


def register(app) -> None:
    app.jinja_env.globals["header_menus"] = header_menus
