"""Every typed error a service can raise across the wire is known to the
gateway process, so it arrives as its type (and finds its page in
gateway/errors.py) instead of as an anonymous RemoteError."""
import json
import os
import subprocess
import sys

from common.config import ROOT

SERVICES_SIDE = """
import importlib, json, pkgutil
import services
from contract.errors import ServiceError
from nameko.exceptions import registry

for module in pkgutil.walk_packages(services.__path__, "services."):
    parts = module.name.split(".")
    if "tests" in parts or "migrations" in parts:
        continue
    importlib.import_module(module.name)

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

raisable = {f"{c.__module__}.{c.__name__}" for c in subclasses(ServiceError)}
print(json.dumps({"registered": sorted(registry), "raisable": sorted(raisable)}))
"""

GATEWAY_SIDE = """
import json
from gateway.app import create_app
from nameko.exceptions import registry
create_app()
print(json.dumps(sorted(registry)))
"""


def run(code, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCOLARITE_VAR_DIR": str(tmp_path),
           "SCOLARITE_SECRET_KEY": "cle-de-test"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_error_services_raise_is_registered_and_known_to_the_gateway(tmp_path):
    services = run(SERVICES_SIDE, tmp_path)
    gateway = set(run(GATEWAY_SIDE, tmp_path))
    # A ServiceError subclass without @deserialize_to_instance crosses the wire as a RemoteError.
    assert sorted(set(services["raisable"]) - set(services["registered"])) == []
    assert sorted(set(services["registered"]) - gateway) == []
    assert "contract.notes.NotesClosed" in gateway
