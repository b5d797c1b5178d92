"""The notes service's area (guide § 3.5), registered only where notes is
deployed (deploy/services.yml): the child's grades, and the establishment's
publication mode on its administration page."""
from flask_babel import lazy_gettext as _l

from gateway.areas.notes.admin import bp as admin_bp
from gateway.areas.notes.views import bp

admin_pages = [("admin_notes.settings", _l("Notes : mode de publication"))]

__all__ = ["admin_bp", "admin_pages", "bp"]
