"""Passwords: the seeds' rule, Argon2id hashing, provisional passwords.

Argon2id parameters (OWASP's second recommended set): m=19 MiB, t=2, p=1,
about 22 verifications per second and per process on this machine class,
against 1.5 with argon2-cffi's defaults (64 MiB, t=3, p=4). Logins at peak are
bounded by this; docs/security.md gives the sizing.

Hashing and verifying run in a native thread (eventlet's tpool) when the
process is a Nameko service (eventlet monkey-patched): argon2-cffi releases the
GIL, so the instance keeps answering other calls while a login wave hashes,
and several logins hash on several cores (docs/performance.md). Those threads
run at a lower priority (nice 10): when the cores are short, pages go first.
"""
import os
import secrets
import unicodedata

from eventlet import patcher, tpool

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PRODUCTION_COST = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
# The test suite alone asks for a light Argon2id (SCOLARITE_TEST_LIGHT_HASH=1,
# set by tests/fixtures.py under pytest; `set_cost`): it hashes thousands of
# passwords (services/accounts/tests/test_liens.py went from 111 to 97 s with
# it), and none of the rules it checks depends on the cost (the dummy hash below is made with
# the same parameters). Never in an académie's deployment (common/academie.py
# refuses the variable); `make run` and bench/ hash at the production cost.
LIGHT_TEST_COST = {"time_cost": 1, "memory_cost": 2 * 1024, "parallelism": 1}


def _hasher(cost: dict) -> PasswordHasher:
    return PasswordHasher(**cost, hash_len=32, salt_len=16, type=Type.ID)


HASHER = _hasher(PRODUCTION_COST)
# Provisional passwords are drawn at random (10 characters from 56: about 58
# bits) and die after 3 months: memory-hardness buys nothing against guessing
# them, and a letter run for a whole establishment (thousands of accounts)
# must not take minutes. Verification reads the parameters from the hash.
PROVISIONAL_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, hash_len=32, salt_len=16,
                                    type=Type.ID)

MIN_LENGTH = 8
MAX_LENGTH = 14

# No look-alikes (0/O, 1/l/I) on a printed letter.
_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"

# A hash of a random password, verified when the identifier is unknown so that
# a wrong identifier costs the same time as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(12))
_PROVISIONAL_PREFIX = PROVISIONAL_HASHER.hash("x").rsplit("$", 2)[0] + "$"


def set_cost(light: bool) -> None:
    """The chosen passwords' hashing cost, from the process's settings at
    start (SCOLARITE_TEST_LIGHT_HASH): light for the test suite alone."""
    global HASHER, _DUMMY_HASH
    HASHER = _hasher(LIGHT_TEST_COST if light else PRODUCTION_COST)
    _DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(12))


def password_problem(password: str) -> str | None:
    """The French message for a password outside the seeds' rule, or None.

    A letter is any Unicode letter (category L*: "é", "ß", "α", "я"), a digit
    any decimal digit; the seeds name no alphabet. Control and format
    characters (category C*: NUL, line breaks, zero-width joiners, lone
    surrogates) cannot be typed reliably twice and are refused."""
    if any(unicodedata.category(ch).startswith("C") for ch in password):
        return "Le mot de passe ne peut pas contenir de caractère invisible ou de contrôle."
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"Le mot de passe doit comporter de {MIN_LENGTH} à {MAX_LENGTH} caractères."
    if not any(ch.isalpha() for ch in password) or not any(ch.isdecimal() for ch in password):
        return "Le mot de passe doit contenir au moins une lettre et au moins un chiffre."
    return None


# The hashing threads yield the cores to everything else (pages, replies)
# when both are busy: a login wave slows logins, not the portal's pages. Set at
# start from SCOLARITE_HASH_NICENESS (`set_niceness`, services/accounts/dependencies.py).
HASH_NICENESS = 10
# The pool's threads are native: the real threading module's, not eventlet's green one.
_threading = patcher.original("threading")
_niced = _threading.local()


def set_niceness(niceness: int) -> None:
    """The process's hashing threads' niceness, from its settings, before the first hash."""
    global HASH_NICENESS
    HASH_NICENESS = niceness


def _in_hash_thread(function, *args):
    if not getattr(_niced, "done", False):
        _niced.done = True
        try:
            os.setpriority(os.PRIO_PROCESS, _threading.get_native_id(), HASH_NICENESS)
        except (OSError, AttributeError):  # not permitted, or not Linux: as it is
            pass
    return function(*args)


def _off_hub(function, *args):
    """`function(*args)` in a native thread of eventlet's pool (lowered
    priority) when under eventlet, else here."""
    if patcher.is_monkey_patched("thread"):
        return tpool.execute(_in_hash_thread, function, *args)
    return function(*args)


def hash_password(password: str) -> str:
    return _off_hub(HASHER.hash, password)


def hash_provisional_password(password: str) -> str:
    return PROVISIONAL_HASHER.hash(password)


def _is_provisional_hash(password_hash: str) -> bool:
    return password_hash.startswith(_PROVISIONAL_PREFIX)


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash and _is_provisional_hash(password_hash):
        # A cheap provisional hash must not answer faster than an unknown
        # identifier does: that would tell which identifiers await activation.
        verify_password(None, password)
    try:
        return _off_hub(HASHER.verify, password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_provisional_password() -> str:
    while True:
        candidate = "".join(secrets.choice(_LETTERS + _DIGITS) for _ in range(10))
        if password_problem(candidate) is None:
            return candidate
