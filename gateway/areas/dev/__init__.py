"""Development only: the caught mail. Registered when SCOLARITE_DEV=1."""
from gateway.areas.dev.views import bp

__all__ = ["bp"]
