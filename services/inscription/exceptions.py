"""The inscription service's wire errors live in contract/inscription.py,
where the gateway reads them too; this module keeps the service's usual
import path."""
from contract.inscription import EtapeRefusee, InscriptionClosed, VerificationIndisponible

__all__ = ["EtapeRefusee", "InscriptionClosed", "VerificationIndisponible"]
