"""The gateway under concurrent requests (gunicorn gthread workers, one RPC
client per worker thread, gateway/rpc.py): every page shows its own user's
child, nothing fails, and the broker sees a bounded number of connections and
reply queues, not one per request. And one RPC queue per deployed service."""
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

# tools.cluster.Cluster.gateway's defaults, as the platform fixture starts it.
from common.academie import GATEWAY_THREADS, GATEWAY_WORKERS
from common.typography import de
from tests.helpers import WebUser, letters_by_name, text_of
from tests.messaging.support import Broker

THREADS = 16
REQUESTS = 480

STUDENTS = [("MOREAU", "Adèle"), ("GIRARD", "Bastien"), ("ROUX", "Chloé"),
            ("FOURNIER", "Dylan"), ("MERCIER", "Elsa"), ("BLANC", "Florian")]


def students_payload(uai: str) -> dict:
    return {
        "etablissement": {"uai": uai, "nom": "COLLÈGE DE LA CHARGE", "type": "college", "commune": "LILLE"},
        "eleves": [{"siecle_eleve_id": str(500 + i), "nom": nom, "prenom": prenom,
                    "date_naissance": f"2012-0{i + 1}-1{i}", "classe": "4A"}
                   for i, (nom, prenom) in enumerate(STUDENTS)],
        "personnes": [],
        "liens": [],
    }


@pytest.fixture(scope="module")
def students(platform):
    """Six students of an establishment of this module's own, past their first
    connection: {"Adèle MOREAU": (logged-in WebUser, their page's path)}."""
    uai = f"{uuid.uuid4().int % 10**7:07d}C"
    payload = students_payload(uai)
    rpc = platform.rpc()
    try:
        rpc.call("accounts", "import_siecle", payload=payload)
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    finally:
        rpc.close()
    out = {}
    for eleve in payload["eleves"]:
        name = f"{eleve['prenom']} {eleve['nom']}"
        user = WebUser(platform.base_url)
        letter = letters[name]
        user.login(letter["identifiant"], letter["password"])
        page = user.post_form("/premiere-connexion", {
            "date_naissance": eleve["date_naissance"], "new_password": "charge2026",
            "new_password_confirm": "charge2026"})
        assert f"La scolarité {de(eleve['prenom'])} {eleve['nom']}" in text_of(page.text), text_of(page.text)[:300]
        out[name] = (user, re.search(r"/eleve/\d+/", page.url).group(0))
    return out


def test_concurrent_pages_each_show_their_own_child_over_a_bounded_number_of_connections(platform, students):
    broker = Broker(platform.amqp_uri)
    names = sorted(students)

    def fetch(i):
        name = names[i % len(names)]
        user, path = students[name]
        # A browser of its own per request (the cookie of that user's session),
        # so that the threads share nothing on this side.
        page = WebUser(platform.base_url)
        page.http.cookies.update(user.http.cookies)
        response = page.get(path if i % 3 else "/")
        text = text_of(response.text)
        others = [other for other in names if other != name and other in text]
        prenom, nom = name.split(" ", 1)
        return name, response.status_code, f"La scolarité {de(prenom)} {nom}" in text, others

    def gateway_connections(connections):
        return {c["pid"] for c in connections if (c["name"] or "").startswith("gateway pid")}

    # The broker's view, sampled while the requests run: a client opened per
    # request would show as ever new connections, even if each were closed.
    seen, done = set(), threading.Event()

    def sample():
        while not done.is_set():
            seen.update(gateway_connections(broker.connections()))

    before = broker.connections()
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(fetch, range(REQUESTS)))
    finally:
        done.set()
        sampler.join()
    after = broker.connections()
    seen |= gateway_connections(before) | gateway_connections(after)

    failed = [r for r in results if r[1] != 200]
    assert failed == [], f"{len(failed)} failed pages; see {platform.tmp / 'logs'}"
    assert [r for r in results if not r[2]] == [], "a page without its user's child"
    assert [r for r in results if r[3]] == [], "a page showing another user's child"

    gateway_clients = [c for c in after if (c["name"] or "").startswith("gateway pid")]
    # One per worker thread that made a call, at most: never one per request.
    assert 1 <= len(gateway_clients) <= GATEWAY_WORKERS * GATEWAY_THREADS, gateway_clients
    assert len(seen) <= GATEWAY_WORKERS * GATEWAY_THREADS, seen
    assert len({c["name"] for c in gateway_clients}) == len(gateway_clients), gateway_clients
    # Nothing else opened connections for these requests either.
    assert len(after) <= len(before) + GATEWAY_WORKERS * GATEWAY_THREADS, (before, after)
    # One reply queue per live client, none left behind.
    reply_queues = [q for q in broker.queues() if q.startswith("rpc.reply-gateway-")]
    assert len(reply_queues) == len(gateway_clients), (reply_queues, gateway_clients)


def test_one_rpc_queue_per_deployed_service(platform):
    with open(platform.env["SCOLARITE_DEPLOY_FILE"], encoding="utf-8") as fh:
        deployed = yaml.safe_load(fh)["services"]
    queues = Broker(platform.amqp_uri).queues()
    assert "accounts" in deployed
    for service in deployed:
        assert queues[f"rpc-{service}"]["consumers"] >= 1, service
