from common.alembic_env import run
from services.bourses.models import Base

run(Base.metadata)
