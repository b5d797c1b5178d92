"""Composing a child's menu and home tiles from the deployed services
(ARCHITECTURE rules 2 and 4): one `overview` call per service for all the
children of the page, all in flight at once, each bounded in time."""
from flask import current_app

from common.errors import Unavailable
from gateway import rpc

UNAVAILABLE = "temporairement indisponible"


def child_context(viewer: dict, child: dict) -> dict:
    return {
        "eleve_id": child["eleve_id"],
        "etablissement_uai": child["etablissement_uai"],
        "viewer_account_id": viewer["id"],
        "viewer_role": viewer["role"],
        "eleve_majeur": child["eleve_majeur"],
    }


def compose(viewer: dict, since=None) -> dict[int, dict]:
    """`since` is an ISO instant (the previous connection) or None.

    {eleve_id: {"menu": [entries], "tiles": [tiles]}} for every child of the
    viewer. An entry is {"label", "path", "service", "unavailable"}."""
    children = viewer["children"]
    contexts = [child_context(viewer, c) for c in children]
    services = current_app.config["FEATURE_SERVICES"]
    timeout = current_app.config["MENU_TIMEOUT"]
    pendings = {name: rpc.call_async(name, "overview", timeout=timeout, children=contexts,
                                     since=since)
                for name in services}
    results = dict(zip(pendings, rpc.gather(list(pendings.values()))))
    out = {c["eleve_id"]: {"menu": [], "tiles": []} for c in children}
    for name, result in results.items():
        settings = services[name]
        # Listed in the deployment but not answering (no queue bound: never
        # started or gone; or no answer in time): shown, as unavailable.
        if isinstance(result, Exception):
            if isinstance(result, Unavailable):
                current_app.logger.warning("service %s did not answer: %s", name, result)
            else:
                current_app.logger.error("service %s failed: %r", name, result)
            for entry in out.values():
                entry["menu"].append({"label": settings.get("label", name), "path": None, "service": name,
                                      "order": settings.get("order", 50), "unavailable": True})
            continue
        for item in result:
            slot = out.get(item["eleve_id"])
            if slot is None:
                continue
            if item["menu"]:
                slot["menu"].append({**item["menu"], "service": name, "unavailable": False})
            slot["tiles"].extend({**tile, "service": name} for tile in item["tiles"])
    for slot in out.values():
        slot["menu"].sort(key=lambda e: (e["order"], e["label"]))
    return out
