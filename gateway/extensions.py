"""The Flask extensions, created once here and bound to the app by the
factory (gateway/app.py): areas import them from this module, never from the
factory, so there is no import cycle."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()
