"""The footer's pages: contact, mentions légales, aide, accessibilité."""
from gateway.areas.pages.views import bp

__all__ = ["bp"]
