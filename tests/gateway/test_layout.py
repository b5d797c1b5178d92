"""The gateway knows the services only through the contract package: no module
under gateway/ imports services/ or tools/, and the gateway process does not
load them, nor the development mail catcher's SMTP server (a development
requirement only)."""
import ast
import os
import subprocess
import sys

from common.config import ROOT

FORBIDDEN = ("services", "tools")


def imports_of(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_gateway_module_imports_a_service_or_a_tool():
    offenders = [f"{path.relative_to(ROOT)}: {name}"
                 for path in sorted((ROOT / "gateway").rglob("*.py"))
                 for name in imports_of(path) if name.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_the_gateway_process_loads_nothing_from_services_or_tools(tmp_path):
    code = ("import sys\nfrom gateway.app import create_app\ncreate_app()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('services', 'tools', 'aiosmtpd')))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCOLARITE_VAR_DIR": str(tmp_path), "SCOLARITE_DEV": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"
