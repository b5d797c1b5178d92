from common.alembic_env import run
from services.lsl.models import Base

run(Base.metadata)
