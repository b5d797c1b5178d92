"""The gateway's rate limits are on its views; Flask-Limiter's pass before
every view, for limits that apply to many views at once, runs only when one
exists (gateway/extensions.py). These check that such a limit, once added,
still applies, and that a view's own limit does."""
import pytest
from flask import Blueprint, request

from gateway.extensions import limiter


@pytest.fixture
def limited_app(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    yield app
    limiter.reset()
    # The limiter is the module's, shared by every application of the process.
    limiter.limit_manager._blueprint_limits.pop("essai_limite_blueprint", None)


def test_a_limit_on_a_whole_blueprint_applies_to_its_pages(limited_app):
    bp = Blueprint("essai_limite_blueprint", __name__)
    bp.add_url_rule("/essai-limite/a", "a", lambda: "a")
    bp.add_url_rule("/essai-limite/b", "b", lambda: "b")
    limiter.limit("2 per minute")(bp)
    limited_app.register_blueprint(bp)
    client = limited_app.test_client()
    assert [client.get(p).status_code for p in ("/essai-limite/a", "/essai-limite/a", "/essai-limite/a")] \
        == [200, 200, 429]
    assert client.get("/essai-limite/b").status_code == 200  # each page its own count


def test_a_views_own_limit_applies(limited_app):
    view = limiter.limit("1 per minute")(lambda: "c")
    view.__name__ = view.__qualname__ = "essai_limite_vue"
    limited_app.add_url_rule("/essai-limite/c", "essai_limite_vue", view)
    client = limited_app.test_client()
    assert [client.get("/essai-limite/c").status_code for _ in range(2)] == [200, 429]


def test_a_limit_counting_only_some_answers_counts_them_after_the_view(limited_app):
    """`deduct_when`: Flask-Limiter counts after the view, once the answer is
    known (here only refusals count)."""
    def view():
        return ("refusé", 400) if request.args.get("echec") else "c"

    view.__name__ = view.__qualname__ = "essai_limite_refus"
    limited = limiter.limit("1 per minute", deduct_when=lambda response: response.status_code == 400)(view)
    limited_app.add_url_rule("/essai-limite/d", "essai_limite_refus", limited)
    client = limited_app.test_client()
    assert [client.get(path).status_code for path in ("/essai-limite/d", "/essai-limite/d",
                                                     "/essai-limite/d?echec=1", "/essai-limite/d")] \
        == [200, 200, 400, 429]
