"""The short-lived cache of accounts' answers: asked once per key while fresh,
never kept when its lifetime is zero, bounded in size."""
from services.fiche.dependencies import TtlCache


def test_an_answer_is_asked_once_while_fresh():
    calls = []
    cache = TtlCache(60)
    for _ in range(3):
        assert cache.get((1, 2), lambda: calls.append(1) or {"who": "Philippe"}) == {"who": "Philippe"}
    assert len(calls) == 1
    cache.get((1, 3), lambda: calls.append(1))
    assert len(calls) == 2


def test_no_lifetime_means_always_asked_and_an_error_is_never_kept():
    calls = []
    cache = TtlCache(0)
    for _ in range(3):
        cache.get((1, 2), lambda: calls.append(1))
    assert len(calls) == 3
    cache = TtlCache(60)
    for _ in range(2):
        try:
            cache.get((1, 2), lambda: calls.append(1) or 1 / 0)
        except ZeroDivisionError:
            pass
    assert len(calls) == 5


def test_the_cache_stays_bounded():
    cache = TtlCache(60, size=10)
    for key in range(25):
        cache.get(key, lambda: key)
    assert len(cache.entries) <= 10
