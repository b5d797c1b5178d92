"""The inscription service's own settings (docs/configuration.md, "Services")."""
from dataclasses import dataclass

from common.settings import Env


@dataclass(frozen=True)
class InscriptionSettings:
    # The académie this deployment serves, as the assignment results name it.
    academie: str

    @classmethod
    def from_env(cls, env: Env) -> "InscriptionSettings":
        return cls(academie=env.text("SCOLARITE_ACADEMIE", "LILLE"))
