"""Which services the académie deploys (deploy/services.yml, or the file named
by SCOLARITE_DEPLOY_FILE)."""
import os
from pathlib import Path

import yaml

from common.config import ROOT

REQUIRED = ("accounts", "mailer")


def deploy_file() -> Path:
    return Path(os.environ.get("SCOLARITE_DEPLOY_FILE", ROOT / "deploy" / "services.yml"))


def deployed_services(path: Path | None = None) -> dict[str, dict]:
    """{service name: settings}, in file order."""
    with open(path or deploy_file(), encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    services = {name: dict(settings or {}) for name, settings in (data.get("services") or {}).items()}
    missing = [name for name in REQUIRED if name not in services]
    if missing:
        raise SystemExit(f"{path or deploy_file()}: required services missing: {', '.join(missing)}")
    return services


def feature_services(path: Path | None = None) -> dict[str, dict]:
    """The deployed services that take part in menus (all but the mailer)."""
    return {name: s for name, s in deployed_services(path).items() if name != "mailer"}
