"""RPC from the gateway: one long-lived client per worker thread.

A client is opened lazily, on the first call a thread makes, so nothing is
shared across gunicorn's forks (never open connections at import time) and no
two threads ever share a connection (the fact sheet shows what that does to
AMQP frames). Per-request context (correlation id, viewer) travels in each
call's headers.

Faults, decided here so that views need not know (docs/messaging.md):
- a service that is not deployed is never asked: NotDeployed at once;
- a service the gateway knows is down (no `alive` notice within ALIVE_WITHIN,
  gateway/menus.py) is not waited for: ServiceDown at once;
- a call made for a form (POST) that got no answer in time may have been
  carried out: it is asked again once with the same idempotency key (a reply
  that was merely late, or lost, is then answered from the service's record);
  still no answer raises OutcomeUnknown, and the page says the outcome is not
  known yet (gateway/errors.py). The key is kept in the browser's session for
  that form: sent again with the same input, the form re-asks with the same
  key, and learns the outcome instead of running the command a second time.
"""
import hashlib
import hmac
import json
import os
import threading
import uuid

from flask import current_app, g, has_request_context, request, session

from common.deployment import REQUIRED
from contract.errors import CommandInProgress, NoAnswer, NotDeployed, OutcomeUnknown, StorageUnavailable, Unavailable
from common.rpc_client import Pending, RpcClient

_local = threading.local()

PENDING = "pending_commands"


class ServiceDown(Unavailable):
    """The gateway knows the service is down: it was not asked."""

    sent = False


def client() -> RpcClient:
    pid = os.getpid()
    rpc = getattr(_local, "client", None)
    if rpc is None or _local.pid != pid:
        cfg = current_app.config
        rpc = RpcClient(cfg["AMQP_URI"], timeout=cfg["RPC_TIMEOUT"], client_name="gateway",
                        heartbeat=cfg["RPC_HEARTBEAT"], max_bytes=cfg["RPC_MAX_BYTES"])
        _local.client, _local.pid = rpc, pid
    return rpc


def _context(extra=None) -> dict:
    ctx = {}
    if has_request_context():
        ctx["correlation_id"] = g.get("request_id")
        viewer = g.get("viewer")
        if viewer:
            ctx["viewer_account_id"] = viewer["id"]
    ctx.update(extra or {})
    return ctx


def _check_reachable(service: str) -> None:
    if service not in REQUIRED and service not in current_app.config["DEPLOYED_SERVICES"]:
        raise NotDeployed(service)
    from gateway.composition import watch

    if service in current_app.config["FEATURE_SERVICES"] and watch().is_down(service):
        raise ServiceDown(f"{service}: no sign of life within {current_app.config['ALIVE_WITHIN']} s")


def _form_call() -> str | None:
    """For a call made while handling a form: who typed what and sent which
    files, where and for which call, as a digest (the input itself, passwords
    included, never leaves the request)."""
    if not has_request_context() or request.method != "POST":
        return None
    if "form_call" not in g:
        fields = sorted((k, v) for k, v in request.form.items(multi=True) if k != "csrf_token")
        files = sorted((k, f.filename or "", _file_digest(f.stream)) for k, f in request.files.items(multi=True))
        text = json.dumps([request.endpoint, request.view_args, fields, files])
        g.form_call = hmac.new(current_app.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()
    return g.form_call


def _file_digest(stream) -> str:
    """An uploaded file's SHA-256, whole whether or not the view has read it
    yet; its stream is left where it was."""
    position = stream.tell()
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(position)
    return digest.hexdigest()


def call(service: str, method: str, **kwargs):
    _check_reachable(service)
    rpc = client()
    digest = _form_call()
    if digest is None:
        return rpc.call(service, method, context=_context(), **kwargs)
    slot = f"{service}.{method}"
    pending = session.get(PENDING, {}).get(slot)
    key = pending["key"] if pending and pending["digest"] == digest else uuid.uuid4().hex
    try:
        result = rpc.call(service, method, context=_context(), idempotency_key=key, **kwargs)
    except NoAnswer:
        current_app.logger.warning("%s: no answer in time, asked again with its idempotency key", slot)
        try:
            result = rpc.call(service, method, context=_context(), idempotency_key=key,
                              timeout=current_app.config["REASK_TIMEOUT"], **kwargs)
        except (Unavailable, CommandInProgress) as exc:
            _remember(slot, digest, key)
            raise OutcomeUnknown(f"{slot}: {exc}") from exc
        except Exception:
            _forget(slot)
            raise
    except (CommandInProgress, StorageUnavailable) as exc:
        # Asked again while the first call has not answered yet, or the
        # service's database broke off (maybe during the commit): unknown.
        _remember(slot, digest, key)
        raise OutcomeUnknown(f"{slot}: {exc}") from exc
    except Unavailable:
        # Not sent, or the service not reachable: an earlier attempt kept in
        # the session may still have run; its key stays for the next one.
        raise
    except Exception:
        # An answer (a typed refusal): the outcome is known.
        _forget(slot)
        raise
    _forget(slot)
    return result


def pending(service: str, method: str) -> bool:
    """Whether this form, sent again with the same input, has an earlier call
    whose outcome is unknown (its key kept in the session): `call` then
    re-asks with that key."""
    kept = session.get(PENDING, {}).get(f"{service}.{method}")
    return bool(kept) and kept["digest"] == _form_call()


def _remember(slot: str, digest: str, key: str) -> None:
    """The form's call whose outcome is unknown: sent again with the same
    input, it re-asks with this key."""
    session[PENDING] = {**session.get(PENDING, {}), slot: {"digest": digest, "key": key}}


def _forget(slot: str) -> None:
    if slot in session.get(PENDING, {}):
        session[PENDING] = {k: v for k, v in session[PENDING].items() if k != slot}


def call_async(service: str, method: str, *, timeout: float | None = None, **kwargs) -> Pending:
    """A call in flight; a service not deployed or known down gives a call
    already failed (its error comes out of `gather`), so that a page asking
    several services at once is never stopped by one."""
    try:
        _check_reachable(service)
    except Unavailable as exc:
        failed = Pending(service, method, None, 0)
        failed.error = exc
        return failed
    return client().call_async(service, method, timeout=timeout, context=_context(), **kwargs)


def gather(pendings):
    return client().gather(pendings)
