"""RPC from the gateway: one long-lived client per worker thread.

A client is opened lazily, on the first call a thread makes, so nothing is
shared across gunicorn's forks (never open connections at import time) and no
two threads ever share a connection (the fact sheet shows what that does to
AMQP frames). Per-request context (correlation id, viewer) travels in each
call's headers.
"""
import os
import threading

from flask import current_app, g, has_request_context

from common.rpc_client import RpcClient

_local = threading.local()


def client() -> RpcClient:
    pid = os.getpid()
    rpc = getattr(_local, "client", None)
    if rpc is None or _local.pid != pid:
        rpc = RpcClient(current_app.config["AMQP_URI"], timeout=current_app.config["RPC_TIMEOUT"],
                        client_name="gateway")
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


def call(service: str, method: str, **kwargs):
    return client().call(service, method, context=_context(), **kwargs)


def call_async(service: str, method: str, *, timeout: float | None = None, **kwargs):
    return client().call_async(service, method, timeout=timeout, context=_context(), **kwargs)


def gather(pendings):
    return client().gather(pendings)
