"""Faults of processes and of a database, under families' steady load
(issue 20): the portal deployed as on one machine (deploy/local/cluster.py),
PostgreSQL, two notes instances; notes' database on a PostgreSQL server of
this module's own, which a test stops (never the machine's shared one)."""
import os
import signal
import time

import pytest
import requests

from tests.faults.support import (UNAVAILABLE, Load, PrivatePostgres, deployment, family_session,
                                  school_with_grades, start, wait_until)
from tests.helpers import WebUser, text_of

SERVICES = {
    "accounts": {"required": True},
    "mailer": {"required": True},
    "notes": {"label": "Notes", "order": 20, "instances": 2},
}


@pytest.fixture(scope="module")
def notes_pg():
    pg = PrivatePostgres()
    pg.start()
    yield pg
    pg.destroy()


@pytest.fixture(scope="module")
def portal(vhosts, notes_pg, tmp_path_factory):
    import psycopg2

    conn = psycopg2.connect(notes_pg.admin_dsn)
    conn.autocommit = True
    conn.cursor().execute('CREATE DATABASE "notes"')
    conn.close()
    tmp = tmp_path_factory.mktemp("faults")
    d = deployment(tmp, SERVICES, vhosts.new("faults"), database_urls={"notes": notes_pg.url("notes")})
    try:
        start(d)
        d.school = school_with_grades(d, tmp)
        yield d
    finally:
        d.stop()
        d.drop_databases()


def test_a_notes_instance_killed_under_load_fails_no_family_request(portal):
    cluster = portal.cluster
    assert cluster.processes["notes"].running and cluster.processes["notes-2"].running
    load = Load(portal.base_url, portal.school, users=3).start()
    try:
        wait_until(lambda: load.sessions_done() >= 3, "sessions under way")
        # Frozen first, so that requests are surely in its hands (delivered,
        # not acknowledged) when it dies: they must be answered by the other.
        victim = cluster.processes["notes-2"].popen.pid
        os.kill(victim, signal.SIGSTOP)
        time.sleep(0.7)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_until(lambda: sum(1 for s in load.steps if s[0] > killed_at and s[1] == "deconnexion") >= 6,
                 "sessions after the kill", timeout=60)
    finally:
        load.stop()
    cluster.processes["notes-2"].popen.wait(10)
    assert not cluster.processes["notes-2"].running
    assert load.failures() == []
    # The notes pages were served throughout, by the instance left.
    assert sum(1 for s in load.steps if s[0] > killed_at and s[1] == "notes") >= 6
    cluster.processes["notes-2"].start().wait_ready()


def _health(port: int, path: str) -> int:
    try:
        return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code
    except requests.RequestException:
        return 0


def test_notes_database_stopped_degrades_the_notes_pages_only(portal, notes_pg):
    school, base = portal.school, portal.base_url
    notes = portal.cluster.processes["notes"]
    accounts = portal.cluster.processes["accounts"]
    assert all(step[2] for step in family_session(base, school))
    assert _health(notes.health_port, "/readyz") == 200

    notes_pg.stop()
    try:
        user = WebUser(base)
        page = user.login(school.hugo, "valide2026")
        # Logging in and the home page are the accounts service's: untouched.
        assert page.status_code == 200 and "La scolarité d" in page.text
        home = user.get(f"/eleve/{school.hugo_id}/")
        assert home.status_code == 200
        grades = user.get(f"/eleve/{school.hugo_id}/notes/")
        assert grades.status_code == 503
        assert UNAVAILABLE in text_of(grades.text)
        assert "Traceback" not in grades.text
        # Its instances say they are not ready; the accounts service is.
        assert _health(notes.health_port, "/readyz") == 503
        assert _health(notes.health_port, "/healthz") == 200
        assert _health(accounts.health_port, "/readyz") == 200
        assert user.get("/compte").status_code == 200
    finally:
        notes_pg.start()
    # Back without restarting anything.
    wait_until(lambda: all(step[2] for step in family_session(base, school)), "the notes pages back", timeout=60)
    assert _health(notes.health_port, "/readyz") == 200
