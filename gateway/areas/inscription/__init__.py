"""The inscription service's area (issue 17), registered only where the
service is deployed (deploy/services.yml): a child's enrollment in the
assigned lycée, in four steps, for the guardians; the assigned students'
states for the lycée's and the collège's staff; the campaign window for the
académie's operators (reached from an establishment's inscription page)."""
from flask_babel import lazy_gettext as _l

from gateway.areas.inscription.admin import bp as admin_bp
from gateway.areas.inscription.views import bp

admin_pages = [("admin_inscription.eleves", _l("Inscription au lycée : réponses des familles"))]

__all__ = ["admin_bp", "admin_pages", "bp"]
