"""Notification letters of the accounts service (identifier and provisional
password), printed by the establishment, and the accounts' journal."""
from flask_babel import lazy_gettext as _l

from gateway.areas.lettres.views import bp

admin_pages = [("admin_letters.letters", _l("Notifications des comptes (lettres)"))]

__all__ = ["admin_pages", "bp"]
