from common.alembic_env import run
from services.inscription.models import Base

run(Base.metadata)
