"""The vie scolaire service's wire errors live in contract/vie_scolaire.py,
where the gateway reads them too; this module keeps the service's usual import
path."""
from contract.vie_scolaire import VieScolaireClosed

__all__ = ["VieScolaireClosed"]
