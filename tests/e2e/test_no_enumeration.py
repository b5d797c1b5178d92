"""No enumeration by timing (issue 12, docs/security.md): over real RPC calls
to the accounts service running as `make run` runs it, "identifiant oublié"
and "mot de passe oublié" answer as fast for a confirmed account as for
nothing at all. Before they handed the lookup to a work event, the path with
an account took 4 to 5 ms longer (a token, a journal line, a mail event)."""
import statistics
import time
from datetime import timedelta

import pytest

from tests.fixtures import Platform
from tests.helpers import family_payload, letters_by_name, wait_until

# A leak of about 4 ms (what was measured before) must fail. Each call is
# paired with the next one of the other path (A B, then B A, so that each path
# follows the other as often), which takes the machine's load out of each
# difference; the median of the differences is compared once it is known to
# within 2 ms (a distribution-free 95 % interval), or after MAX_ROUNDS on a
# busy machine. The tolerance leaves room for a busy machine's noise: with
# the whole suite and other suites running (load average 15 to 20), a run
# without any leak measured -2.05 ms.
TOLERANCE_MS = 2.5
INTERVAL_MS = 2.0
# The recovery throttle lets 3 requests per key through, then blocks; moving
# the clock past its memory (24 hours) between rounds of 3 calls per key keeps
# every call counted and answered, never refused.
# A quiet machine knows the median to within 2 ms after the first 20 rounds
# (29 s alone, 2026-12-03). Under the whole suite the interval stayed wider
# after 80 rounds (160 s, the suite's longest test) and the verdict was the
# interval's anyway; 40 rounds give it at half the cost.
MIN_ROUNDS, MAX_ROUNDS = 20, 40


# On PostgreSQL, what an académie deploys (docs/operations.md): the rule is in
# accounts' code (the lookup handed to a work event), not in the backend, and
# a measure on SQLite too cost a minute and a half of the suite (74 s, at load
# 6 to 11) for the same verdict.
@pytest.fixture(scope="module", params=["postgresql"])
def accounts_platform(request, vhosts, databases, tmp_path_factory):
    services = {"accounts": {"required": True}, "mailer": {"required": True}}
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"enumeration-{request.param}"),
                 services)
    p.start(services, gateway=False)
    yield p
    p.stop()


def confirmed_accounts(platform, rpc) -> dict:
    """Two guardians who chose a password, gave an address and followed its link."""
    rpc.call("accounts", "import_siecle", payload=family_payload())
    letters = letters_by_name(rpc.call("accounts", "issue_letters", uai="0590001A"))
    accounts = {}
    for name, birth, email in (("Philippe MARTIN", "2014-01-02", "philippe@example.org"),
                               ("Paul DURAND", "2013-06-30", "paul@example.org")):
        letter = letters[name]
        token = rpc.call("accounts", "login", identifiant=letter["identifiant"], password=letter["password"])["token"]
        rpc.call("accounts", "first_connection", token=token, form={
            "date_naissance": birth, "new_password": "soleil2026", "new_password_confirm": "soleil2026",
            "email": email, "email_confirm": email})
        wait_until(lambda: platform.mailbox(email), "the confirmation mail", every=0.01)
        link = next(word for word in platform.mailbox(email)[0]["text"].split() if "/confirmation/" in word)
        rpc.call("accounts", "confirm_email", token=link.rstrip(".>)").rsplit("/", 1)[1])
        accounts[name] = {"identifiant": letter["identifiant"], "email": email}
    return accounts


def median_interval(values: list[float]) -> tuple[float, float, float]:
    """The median and its distribution-free 95 % confidence interval (order statistics)."""
    ordered, n = sorted(values), len(values)
    spread = 1.96 * n ** 0.5 / 2
    low, high = max(0, int(n / 2 - spread)), min(n - 1, int(n / 2 + spread) + 1)
    return statistics.median(ordered), ordered[low], ordered[high]


def paired_differences(platform, rpc, method, existing: dict, missing: dict, barrier: dict) -> list[float]:
    """Answer time with the account minus without (ms), pair by pair.

    The work handed to the asynchronous step slows whichever call comes
    next, which is not what an answer's delay tells: every measured call
    starts in the same state. After each, a reset is asked for `barrier`
    (another account) and the next call waits for every mail the two
    requests make: the barrier's handling ends after the call's own."""
    from tools.mailcatcher import Mailbox

    mailbox = Mailbox(platform.mail_dir)
    calls = {"A": existing, "B": missing}
    differences = []
    for number in range(MAX_ROUNDS):
        platform.clock.advance(timedelta(hours=25))
        for pair in ("AB", "BA", "AB") if number % 2 == 0 else ("BA", "AB", "BA"):
            took = {}
            for which in pair:
                expected = mailbox.count() + (2 if which == "A" else 1)
                started = time.perf_counter()
                assert rpc.call("accounts", method, **calls[which]) is None
                took[which] = (time.perf_counter() - started) * 1000
                # Alternately, so that neither of its keys is asked more than 3 times a round.
                if which == "A":
                    rpc.call("accounts", "forgotten_password", identifiant=barrier["identifiant"])
                else:
                    rpc.call("accounts", "forgotten_identifier", email=barrier["email"])
                wait_until(lambda: mailbox.count() >= expected, "the mails after the request", every=0.01)
            differences.append(took["A"] - took["B"])
        if number + 1 >= MIN_ROUNDS:
            _median, low, high = median_interval(differences)
            if high - low <= INTERVAL_MS:
                break
    return differences



def test_forgotten_identifier_and_password_take_as_long_whether_the_account_exists_or_not(accounts_platform):
    platform = accounts_platform
    rpc = platform.rpc()
    try:
        accounts = confirmed_accounts(platform, rpc)
        account, barrier = accounts["Philippe MARTIN"], accounts["Paul DURAND"]
        found = {}
        for method, existing, missing in (
                ("forgotten_password", {"identifiant": account["identifiant"]}, {"identifiant": "x.inconnu9"}),
                ("forgotten_identifier", {"email": account["email"]}, {"email": "personne@example.org"})):
            found[method] = median_interval(paired_differences(platform, rpc, method, existing, missing, barrier))
    finally:
        rpc.close()
    for method, (median, low, high) in found.items():
        print(f"{method}: with an account minus without, median {median:+.2f} ms (95 % {low:+.2f} to {high:+.2f})")
        if high - low <= INTERVAL_MS:
            # Known to within 2 ms (a machine quiet enough): the median itself.
            assert abs(median) < TOLERANCE_MS, (method, median, low, high)
        else:
            # Still not known to within 2 ms after MAX_ROUNDS (a machine busy
            # with the whole suite: a run without any leak measured -5.09 ms,
            # 95 % -8.48 to -1.55, at load 10 to 14): a leak is shown only if
            # the whole interval lies beyond the tolerance.
            assert low < TOLERANCE_MS and high > -TOLERANCE_MS, (method, median, low, high)
