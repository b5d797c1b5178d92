"""The Flask extensions, created once here and bound to the app by the
factory (gateway/app.py): areas import them from this module, never from the
factory, so there is no import cycle."""
from functools import partial

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter._compat import request_context
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


def limiter_only_where_limits_are(app) -> None:
    """Flask-Limiter checks, before every view, the limits that apply to many
    views at once (default, application, blueprint and meta limits), then
    each view limited with `@limiter.limit` checks its own when called; after
    every view and at every request's end it looks at what the request
    counted. The gateway's limits are all of the second kind, so on every
    other page those passes find nothing (about 9 % of a kept home page's CPU,
    docs/performance.md). The first now runs only once a limit of the first
    kinds exists, the other two only for a request that counted something
    (tests/gateway/test_limits.py adds such a limit and sees it apply)."""
    before = app.before_request_funcs[None]
    check = limiter._check_request_limit
    if check not in before:  # limits turned off (RATELIMIT_ENABLED): no pass at all
        return
    manager = limiter.limit_manager

    def _limits_for_all():
        if manager._default_limits or manager._application_limits or manager._blueprint_limits \
                or limiter._meta_limits:
            return check()
        return None

    before[before.index(check)] = _limits_for_all

    # What a check leaves for the end of its request: Flask-Limiter's context,
    # made on the request's context by the first check.
    after = app.after_request_funcs[None]
    (index, headers), = [(i, f) for i, f in enumerate(after) if isinstance(f, partial) and f.args == (limiter,)]

    def _after_a_check(response):
        return headers(response) if hasattr(request_context(), "_limiter_request_context") else response

    after[index] = _after_a_check
    teardown = app.teardown_request_funcs[None]
    (index, release), = [(i, f) for i, f in enumerate(teardown) if getattr(f, "__self__", None) is limiter]

    def _release_after_a_check(exc=None):
        if hasattr(request_context(), "_limiter_request_context"):
            release(exc)

    teardown[index] = _release_after_a_check
