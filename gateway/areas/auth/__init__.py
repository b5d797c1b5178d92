"""Logging in and out, the first connection, confirming the address, the
forgotten identifier and password (guide § 2.2 to 2.4)."""
from gateway.areas.auth.views import bp

__all__ = ["bp"]
