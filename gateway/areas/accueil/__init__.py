"""Accueil: the home page of each child (guide § 2.6 and 3.1)."""
from gateway.areas.accueil.views import bp

__all__ = ["bp"]
