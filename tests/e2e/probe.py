"""A feature service of the tests' own, implementing the menu contract the way
every feature service does, so the gateway's composition is tested without
depending on one real service: open per establishment (closed by default),
for guardians only (like the lycée enrollment)."""
from sqlalchemy.orm import DeclarativeBase

from common import news
from common.clock import ClockProvider
from common.contract import FeatureContract
from common.db import Database
from common.mail import dispatch_mail, mail_request
from common.messaging import rpc, work_dispatcher
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
    """Open everywhere, for everyone. Its name is known to neither accounts nor
    the mailer: its news and mail reach them by the routes every service uses."""

    name = "probe2"
    db = ProbeDatabase()
    clock = ClockProvider()
    news_kinds = {"annonce": {"one": "1 annonce de la sonde", "many": "{n} annonces de la sonde",
                              "path": "/sonde2/"}}
    mail_events = work_dispatcher()

    def menu_entry(self, child):
        return {"label": "Sonde ouverte", "path": "/sonde2/", "order": 40}

    @rpc
    def announce(self, eleve_id, email):
        """Tests: one news item for the child, visible now, and one e-mail to `email`."""
        self.publish_news([news.item(f"annonce-{eleve_id}", eleve_id, "annonce", self.clock.now())])
        dispatch_mail(self.mail_events, mail_request("mot_de_passe_modifie", email, {
            "prenom": "Philippe", "nom": "MARTIN", "identifiant": "sonde",
            "date_modification": self.clock.now().isoformat()}))


