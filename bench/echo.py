"""The smallest service with the platform's query settings (the real `rpc`
decorator of common.messaging), for `bench.rpc_roundtrip`:
`python -m common.runner bench.echo:EchoService`."""
from common.messaging import rpc


class EchoService:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value
