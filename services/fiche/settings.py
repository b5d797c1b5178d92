"""The fiche service's own settings (docs/configuration.md, "Services")."""
from dataclasses import dataclass

from common.settings import Env


@dataclass(frozen=True)
class FicheSettings:
    # Seconds an identity asked of accounts is reused (services/fiche/dependencies.py).
    identity_ttl: float

    @classmethod
    def from_env(cls, env: Env) -> "FicheSettings":
        return cls(identity_ttl=env.number("SCOLARITE_FICHE_IDENTITY_TTL", 60.0))
