from common.alembic_env import run
from services.mailer.models import Base

run(Base.metadata)
