from common.alembic_env import run
from services.fiche.models import Base

run(Base.metadata)
