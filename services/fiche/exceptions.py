"""The fiche service's wire errors live in contract/fiche.py, where the
gateway reads them too; this module keeps the service's usual import path."""
from contract.fiche import FicheClosed, ModificationsEnAttente

__all__ = ["FicheClosed", "ModificationsEnAttente"]
