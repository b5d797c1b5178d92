"""Mon compte (guide § 2.7): profile, children, regroupement."""
from gateway.areas.compte.views import bp

__all__ = ["bp"]
