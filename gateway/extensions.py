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


def check_limits_for_all_only_when_some(app) -> None:
    """Flask-Limiter checks, before every view, the limits that apply to many
    views at once (default, application, blueprint and meta limits), then
    each view limited with `@limiter.limit` checks its own when called. The
    gateway's limits are all of the second kind, so that first pass finds
    nothing on every page (about 5 % of a home page's CPU, docs/performance.md):
    it now runs only once a limit of the first kinds exists
    (tests/gateway/test_limits.py adds one and sees it apply)."""
    hooks = app.before_request_funcs[None]
    check = limiter._check_request_limit
    if check not in hooks:  # limits turned off (RATELIMIT_ENABLED): no pass at all
        return
    manager = limiter.limit_manager

    def _limits_for_all():
        if manager._default_limits or manager._application_limits or manager._blueprint_limits \
                or limiter._meta_limits:
            return check()
        return None

    hooks[hooks.index(check)] = _limits_for_all
