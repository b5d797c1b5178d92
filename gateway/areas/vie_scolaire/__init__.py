"""The vie scolaire service's area (guide § 3.4, issue 15), registered only
where vie_scolaire is deployed (deploy/services.yml): the child's absences,
retards, punitions, sanctions and mesures by period, the online
justification of an absence, and, for the establishment's staff, the
pending justifications and the absentéisme alerts."""
from flask_babel import lazy_gettext as _l

from gateway.areas.vie_scolaire.admin import bp as admin_bp
from gateway.areas.vie_scolaire.views import bp

admin_pages = [("admin_vie_scolaire.justifications", _l("Vie scolaire : justifications en attente")),
               ("admin_vie_scolaire.alerts", _l("Vie scolaire : absentéisme")),
               ("admin_vie_scolaire.reglages", _l("Vie scolaire : demi-journées, motifs et périodes"))]

__all__ = ["admin_bp", "admin_pages", "bp"]
