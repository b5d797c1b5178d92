"""The académie's services shown as links (LPC, cahier de textes, ENT, Pix),
declared by académie operators; the rules are accounts' (services/accounts/liens.py)."""
from gateway.areas.liens.views import bp

__all__ = ["bp"]
