"""What the page benchmarks share: their arguments, the platform they start,
the gateway's own server time of a response, the loads of each page against
the one-RPC page (`/compte/`, whose only call is `get_session`), and the
statistics they print."""
import argparse
import re
import statistics
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from common.deployment import deployed_services
from tests.fixtures import Databases, Platform, VirtualHosts

ONE_RPC = "one-RPC page (/compte/)"


class BenchFailed(Exception):
    """The benchmark cannot measure what it means to: the message says why."""


def server_ms(response) -> float:
    """The gateway's `Server-Timing` for this response, in milliseconds."""
    return float(re.search(r"app;dur=([\d.]+)", response.headers["Server-Timing"]).group(1))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300, help="loads of each page")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    return parser.parse_args(argv)


def run(measure) -> int:
    """A benchmark's exit code: `measure()`'s (0 when it returns None), or 1
    with the reason on stderr when it cannot measure."""
    try:
        return measure() or 0
    except BenchFailed as exc:
        print(exc, file=sys.stderr)
        return 1


@contextmanager
def started_platform(needs: tuple[str, ...], backend: str, name: str = ""):
    """Every service of deploy/services.yml and the gateway, started as
    `make run` starts them, on a RabbitMQ virtual host and databases of their
    own, removed at the end: (the platform, its temporary folder, the services).
    `needs`: the services the benchmark cannot do without."""
    services = deployed_services()
    if any(name not in services for name in needs):
        raise BenchFailed(f"the {needs[0]} service is not in deploy/services.yml" if len(needs) == 1 else
                          f"the {' and '.join(needs)} services must be in deploy/services.yml")
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{(name or needs[0]).replace('_', '-')}-"))
    vhosts, databases = VirtualHosts(), Databases(tmp)
    platform = Platform(vhosts, databases, backend, tmp, services)
    try:
        platform.start(list(services))
        yield platform, tmp, services
    finally:
        platform.stop()
        databases.cleanup()
        vhosts.cleanup()


def load_pages(pages: dict[str, tuple], requests: int, warm_up: int = 30) -> dict[str, list[float]]:
    """`pages`: {label: (user, path)}. After a warm-up (connections, caches,
    database pages), loads each page in turn `requests` times: {label: the
    gateway's server times}. A page that does not answer 200 stops the run."""
    for _ in range(warm_up):
        for user, path in pages.values():
            user.get(path)
    timings = {label: [] for label in pages}
    for _ in range(requests):
        for label, (user, path) in pages.items():
            response = user.get(path)
            if response.status_code != 200:
                raise BenchFailed(f"{path} answered {response.status_code}")
            timings[label].append(server_ms(response))
    return timings


def print_pages(timings: dict[str, list[float]], width: int) -> None:
    """Median and 95th percentile of each page, and its ratio to the one-RPC page's median."""
    one = statistics.median(timings[ONE_RPC])
    for label, values in timings.items():
        print(f"  {label:{width}s} median {statistics.median(values):6.2f} ms   p95 {p95(values):6.2f} ms"
              + (f"   {statistics.median(values) / one:.2f}x the one-RPC page" if label != ONE_RPC else ""))
