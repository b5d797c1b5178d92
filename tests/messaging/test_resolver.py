"""A service process (common.runner) does without eventlet's green DNS
resolver, about 8 MB of dnspython in every process (issue 19,
docs/performance.md): a host name is resolved by the system's resolver in a
native thread of eventlet's pool, so that the hub keeps running meanwhile; an
address given as digits is used as it is. Run in a process of its own, since
importing the runner patches the whole interpreter."""
import json
import subprocess
import sys

from common.config import ROOT

PROBE = """
import json, socket, sys
import common.runner  # noqa: F401  (patches, as a service process starts)
from eventlet import tpool
from eventlet.green import socket as green_socket

in_threads = []
execute = tpool.execute
def recording(function, *args, **kwargs):
    in_threads.append(args[0])
    return execute(function, *args, **kwargs)
tpool.execute = recording

by_name = socket.getaddrinfo("localhost", 5672, 0, socket.SOCK_STREAM)
by_address = green_socket.getaddrinfo("127.0.0.1", 5672, 0, socket.SOCK_STREAM)
connection = socket.create_connection(("localhost", 5672))  # the broker
connection.close()
print(json.dumps({
    "dnspython": sorted(m for m in sys.modules if m == "dns" or m.startswith("dns.")),
    "by_name": sorted({info[4][0] for info in by_name}),
    "by_address": [info[4][0] for info in by_address],
    "in_threads": in_threads,
}))
"""


def test_names_are_resolved_in_a_native_thread_without_dnspython():
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["dnspython"] == []
    assert "127.0.0.1" in seen["by_name"]
    assert seen["by_address"] == ["127.0.0.1"]
    # "localhost" twice (getaddrinfo, then create_connection); the address never.
    assert seen["in_threads"] == ["localhost", "localhost"]
