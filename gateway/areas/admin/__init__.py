"""Administration of establishments ("AdminTS", guide § 3): openings, the
welcome message, the deployed services, and the pages other areas add
(their `admin_pages`)."""
from gateway.areas.admin.views import bp

__all__ = ["bp"]
