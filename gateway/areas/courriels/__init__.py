"""The mail the mailer sent (or will send) for an establishment."""
from flask_babel import lazy_gettext as _l

from gateway.areas.courriels.views import bp

admin_pages = [("admin_mail.messages", _l("Courriels envoyés"))]

__all__ = ["admin_pages", "bp"]
