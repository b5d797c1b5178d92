"""What the page benchmarks share: the gateway's own server time of a
response, and the statistics they print."""
import re
import statistics


def server_ms(response) -> float:
    """The gateway's `Server-Timing` for this response, in milliseconds."""
    return float(re.search(r"app;dur=([\d.]+)", response.headers["Server-Timing"]).group(1))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]
