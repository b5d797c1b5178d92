"""Staff accounts, created by académie operators."""
from gateway.areas.personnels.views import bp

__all__ = ["bp"]
