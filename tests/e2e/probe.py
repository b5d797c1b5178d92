"""A feature service of the tests' own, implementing the menu contract the way
every feature service does, so the gateway's composition is tested without
depending on one real service: open per establishment (closed by default),
for guardians only (like the lycée enrollment)."""
from sqlalchemy.orm import DeclarativeBase

from common.clock import ClockProvider
from common.contract import FeatureContract
from common.db import Database
from common.openings import OpeningMixin


class Base(DeclarativeBase):
    pass


class Opening(OpeningMixin, Base):
    pass


class ProbeDatabase(Database):
    """A test service has no migrations: its tables are created at start."""

    def setup(self):
        super().setup()
        Base.metadata.create_all(self.engine)


class ProbeService(FeatureContract):
    name = "probe"
    db = ProbeDatabase()
    clock = ClockProvider()
    opening_model = Opening

    def menu_entry(self, child):
        if child["viewer_role"] != "responsable" or not self.is_open(child["etablissement_uai"]):
            return None
        return {"label": "Sonde", "path": "/sonde/", "order": 30}


class AlwaysOpenProbe(FeatureContract):
    """Open everywhere, for everyone."""

    name = "probe2"
    db = ProbeDatabase()
    clock = ClockProvider()

    def menu_entry(self, child):
        return {"label": "Sonde ouverte", "path": "/sonde2/", "order": 40}


