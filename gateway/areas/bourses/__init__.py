"""The bourses service's area (issue 18), registered only where bourses is
deployed (deploy/services.yml): a child's scholarship page for the family;
the establishment's applications for its staff; the académie's campaigns and
barèmes for its operators (reached from an establishment's bourses page)."""
from flask_babel import lazy_gettext as _l

from gateway.areas.bourses.admin import bp as admin_bp
from gateway.areas.bourses.views import bp

admin_pages = [("admin_bourses.demandes", _l("Bourses : demandes des familles"))]

__all__ = ["admin_bp", "admin_pages", "bp"]
