"""gunicorn entry point: `gunicorn gateway.wsgi:app` (without --preload: RPC
clients are opened per thread after the fork)."""
from common.logs import setup_logging
from gateway.app import create_app

setup_logging()
app = create_app()
