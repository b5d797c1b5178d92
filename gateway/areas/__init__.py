"""The gateway's areas: one package per area, each holding its blueprint
(`bp`), views, forms and templates (`templates/<area>/`).

The core areas are always there. A feature service's area is the package
named after the service (`gateway.areas.notes` for `notes`), registered only
when the service is listed in deploy/services.yml: a service that is not
deployed has no route at all. An area may also expose `admin_bp` (its pages
under an establishment's administration) and `admin_pages`, the (endpoint,
label) links the establishment's administration page shows; the first of them
is where a staff member whose functions reach only that service lands
(`admin_landings`: a CPE on vie scolaire's, accounts' rules.FONCTIONS)
(docs/architecture.md, "Adding a feature service").
"""
import importlib
import importlib.util

CORE = ("accueil", "auth", "compte", "pages", "admin", "lettres", "personnels", "liens", "courriels")
DEVELOPMENT = ("dev",)


def names(deployed_services, dev_mode: bool) -> list[str]:
    """The areas this gateway serves, in registration order."""
    out = list(CORE) + (list(DEVELOPMENT) if dev_mode else [])
    for service in deployed_services:
        if service not in out and importlib.util.find_spec(f"{__name__}.{service}") is not None:
            out.append(service)
    return out


def register(app) -> None:
    admin_pages, landings = [], {}
    for name in names(app.config["DEPLOYED_SERVICES"], app.config["DEV_MODE"]):
        area = importlib.import_module(f"{__name__}.{name}")
        app.register_blueprint(area.bp)
        admin_bp = getattr(area, "admin_bp", None)
        if admin_bp is not None:
            app.register_blueprint(admin_bp)
        pages = list(getattr(area, "admin_pages", ()))
        admin_pages.extend(pages)
        if pages:
            landings[name] = pages[0][0]
    app.extensions["admin_pages"] = admin_pages
    app.extensions["admin_landings"] = landings
