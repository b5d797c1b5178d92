"""The home page's tiles: what feature services said is new (common.news),
counted since the viewer's previous connection as the clock moves."""
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from common import news
from services.accounts.models import NewsKind
from services.accounts.tests.conftest import activate, link_token

KINDS = {"note": {"one": "1 nouvelle note", "many": "{n} nouvelles notes", "path": "/notes/"}}


def send(service, items):
    for payload in news.events("notes", KINDS, items):
        service.on_news(payload, "notes")


def tiles_of(service, token, prenom):
    view = service.get_session(token=token, with_tiles=True)
    return next(c["tiles"] for c in view["children"] if c["prenom"] == prenom)


def test_tiles_count_what_became_visible_since_the_previous_connection(service, family, clock):
    hugo_letter = family["Hugo MARTIN"]
    token = activate(service, hugo_letter, "2012-04-04")
    hugo_id = service.get_session(token=token)["children"][0]["eleve_id"]
    now = clock.now()
    send(service, [
        news.item("g1", hugo_id, "note", now - timedelta(hours=1)),
        news.item("g2", hugo_id, "note", now - timedelta(minutes=5)),
        news.item("g3", hugo_id, "note", now + timedelta(days=1)),  # entered today, published tomorrow
    ])
    # First connection ever: everything already visible is new.
    assert tiles_of(service, token, "Hugo") == [
        {"service": "notes", "kind": "note", "count": 2, "text": "2 nouvelles notes", "path": "/notes/"}]

    # Next day, a new login: the previous connection is the one before, so the
    # grade published overnight is the only news.
    clock.advance(timedelta(days=1, hours=1))
    token = service.login(identifiant=hugo_letter["identifiant"], password="soleil2026")["token"]
    assert [t["text"] for t in tiles_of(service, token, "Hugo")] == ["1 nouvelle note"]

    # Later the same day, another login: nothing new since the previous one.
    clock.advance(timedelta(hours=2))
    token = service.login(identifiant=hugo_letter["identifiant"], password="soleil2026")["token"]
    assert tiles_of(service, token, "Hugo") == []


def test_an_item_sent_again_replaces_it_and_none_withdraws_it(service, family, clock):
    token = activate(service, family["Zoé DURAND"], "2013-06-30")
    zoe_id = service.get_session(token=token)["children"][0]["eleve_id"]
    earlier = clock.now() - timedelta(hours=1)
    send(service, [news.item("g1", zoe_id, "note", earlier), news.item("g2", zoe_id, "note", earlier)])
    send(service, [news.item("g1", zoe_id, "note", earlier)])  # redelivered: still two
    assert tiles_of(service, token, "Zoé")[0]["count"] == 2
    send(service, [news.item("g2", zoe_id, "note", None)])  # deleted grade
    assert tiles_of(service, token, "Zoé")[0]["text"] == "1 nouvelle note"


def test_news_of_another_child_never_shows(service, family, clock):
    token = activate(service, family["Zoé DURAND"], "2013-06-30")
    zoe_id = service.get_session(token=token)["children"][0]["eleve_id"]
    send(service, [news.item("other", zoe_id + 1, "note", clock.now() - timedelta(hours=1))])
    assert tiles_of(service, token, "Zoé") == []


def test_the_daily_job_forgets_news_no_tile_can_count_any_more(service, family, clock):
    token = activate(service, family["Zoé DURAND"], "2013-06-30")
    zoe_id = service.get_session(token=token)["children"][0]["eleve_id"]
    send(service, [news.item("old", zoe_id, "note", clock.now() - timedelta(hours=1)),
                   news.item("gone", zoe_id, "note", None)])
    clock.advance(timedelta(days=365))
    assert service.run_daily_jobs()["nouveautes_effacees"] == 1  # the withdrawn one
    clock.advance(timedelta(days=2))
    assert service.run_daily_jobs()["nouveautes_effacees"] == 1  # visible 366 days ago


def _previous(service, token):
    return datetime.fromisoformat(service.get_session(token=token)["previous_login_at"])


def test_connections_that_could_not_see_the_services_do_not_count(service, family, clock):
    """Issue 13 § 2: the provisional-password login and a guardian's logins
    before the address is confirmed are not "the last connection"; the first
    real visit has no previous one (the home page says "Première connexion")."""
    letter = family["Philippe MARTIN"]
    token = activate(service, letter, "2014-01-02", email="philippe@example.org")
    assert service.get_session(token=token)["previous_login_at"] is None
    clock.advance(timedelta(hours=1))
    # "Vérification mail" only: still not a connection that saw the services.
    service.login(identifiant=letter["identifiant"], password="soleil2026")
    service.confirm_email(token=link_token(service.mails.last("philippe@example.org")))
    clock.advance(timedelta(hours=1))
    first_visit = clock.now()
    token = service.login(identifiant=letter["identifiant"], password="soleil2026")["token"]
    assert service.get_session(token=token)["previous_login_at"] is None
    clock.advance(timedelta(days=1))
    token = service.login(identifiant=letter["identifiant"], password="soleil2026")["token"]
    assert first_visit <= _previous(service, token) < first_visit + timedelta(minutes=1)


def test_a_student_first_visit_starts_at_the_activation(service, family, clock):
    activated = clock.now()
    token = activate(service, family["Hugo MARTIN"], "2012-04-04")
    assert service.get_session(token=token)["previous_login_at"] is None
    clock.advance(timedelta(days=1))
    token = service.login(identifiant=family["Hugo MARTIN"]["identifiant"], password="soleil2026")["token"]
    assert activated <= _previous(service, token) < activated + timedelta(minutes=1)


def test_news_of_a_kind_another_instance_stores_meanwhile_is_kept(service, family, clock):
    """Two accounts instances handle the news side by side: the other one may
    store the same kind (a service's first news) between this one's read and
    its write. The item is kept all the same, and no error is raised (which
    would put the event back in the queue and log a failure)."""
    token = activate(service, family["Hugo MARTIN"], "2012-04-04")
    hugo_id = service.get_session(token=token)["children"][0]["eleve_id"]
    done = []

    def the_other_instance(session, flush_context, instances):
        if not done:
            done.append(True)
            with Session(bind=service.db.get_bind()) as other:
                other.add(NewsKind(service="notes", kind="note", text_one="1 nouvelle note",
                                   text_many="{n} nouvelles notes", path="/notes/", cumulative=False))
                other.commit()

    event.listen(service.db, "before_flush", the_other_instance)
    try:
        send(service, [news.item("g1", hugo_id, "note", clock.now() - timedelta(hours=1))])
    finally:
        event.remove(service.db, "before_flush", the_other_instance)
    assert done
    assert tiles_of(service, token, "Hugo") == [
        {"service": "notes", "kind": "note", "count": 1, "text": "1 nouvelle note", "path": "/notes/"}]
