from common.alembic_env import run
from services.vie_scolaire.models import Base

run(Base.metadata)
