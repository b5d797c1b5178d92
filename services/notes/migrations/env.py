from common.alembic_env import run
from services.notes.models import Base

run(Base.metadata)
