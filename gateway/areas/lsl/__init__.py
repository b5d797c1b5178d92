"""The LSL service's area (guide § 3.2, FAQ "LSL"), registered only where lsl
is deployed (deploy/services.yml): the child's livret and requests to the
head, and on the establishment's administration page the requests to decide,
the replications received and the final livret's publication."""
from flask_babel import lazy_gettext as _l

from gateway.areas.lsl.admin import bp as admin_bp
from gateway.areas.lsl.views import bp

admin_pages = [("admin_lsl.requests", _l("Livret scolaire : demandes des familles, réplications, livret définitif"))]

__all__ = ["admin_bp", "admin_pages", "bp"]
