"""Under eventlet, a PostgreSQL query must not block the service process: with
a green wait callback in psycopg2 (psycogreen, installed by common.db; the
runner's eventlet.monkey_patch() installs eventlet's own too), the queries of
concurrent calls run at the same time; without one, one after another.
PostgreSQL only: it is the driver that needs the patch."""
from tests.messaging.support import Probes

CALLS = 5
SLEEP = 0.5


def concurrent_sleeps(broker, databases, tmp_path, env=None) -> list[dict]:
    probes = Probes(broker, tmp_path, {"MSG_DB_DATABASE_URL": databases.new("postgresql", "msg_db"), **(env or {})})
    try:
        probes.start("msg_db")
        client = probes.rpc(timeout=60)
        pendings = [client.call_async("msg_db", "sleep", seconds=SLEEP) for _ in range(CALLS)]
        results = client.gather(pendings)
    finally:
        probes.close()
    for result in results:
        if isinstance(result, Exception):
            raise result
        # The instants are the server's, before and after this statement's sleep.
        assert result["ended"] - result["started"] >= SLEEP
    return results


def test_concurrent_calls_query_postgresql_at_the_same_time(broker, databases, tmp_path):
    results = concurrent_sleeps(broker, databases, tmp_path)
    # common.db installed psycogreen's (over eventlet's own).
    assert {r["wait_callback"] for r in results} == {"psycogreen.eventlet"}
    # One instant at which every call's query was running.
    assert max(r["started"] for r in results) < min(r["ended"] for r in results)


def test_without_a_green_psycopg2_the_same_calls_query_one_after_another(broker, databases, tmp_path):
    """The counter-proof: the property above is the green wait callback's doing."""
    results = sorted(concurrent_sleeps(broker, databases, tmp_path, {"PROBE_BLOCKING_PSYCOPG2": "1"}),
                     key=lambda r: r["started"])
    assert {r["wait_callback"] for r in results} == {None}
    assert all(a["ended"] <= b["started"] for a, b in zip(results, results[1:]))
