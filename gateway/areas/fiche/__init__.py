"""The fiche de renseignements' area (guide § 3.3), registered only where the
fiche service is deployed (deploy/services.yml): the child's two tabs and
their MODIFIER forms, and the school's decisions and export on its
administration page."""
from flask_babel import lazy_gettext as _l

from gateway.areas.fiche.admin import bp as admin_bp
from gateway.areas.fiche.views import bp

admin_pages = [("admin_fiche.dossiers", _l("Fiche de renseignements : modifications des familles"))]

__all__ = ["admin_bp", "admin_pages", "bp"]
