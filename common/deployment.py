"""Which services the académie deploys (deploy/services.yml, or the file named
by SCOLARITE_DEPLOY_FILE: the catalogue itself, which is the default académie,
or an académie file extending it, deploy/academies/*.yml, common/academie.py)."""
from pathlib import Path

from common.academie import DEPLOY_ONLY, catalogue
from common.settings import ProcessSettings

REQUIRED = ("accounts", "mailer")


def deploy_file() -> Path:
    """The deployment file the environment names (tools and tests); a process
    passes its settings' `deploy_file`."""
    return ProcessSettings.from_env().deploy_file


def deployed_services(path: Path | None = None) -> dict[str, dict]:
    """{service name: settings}, in file order."""
    services = {name: {k: v for k, v in settings.items() if k not in DEPLOY_ONLY}
                for name, settings in catalogue(Path(path or deploy_file())).items()}
    missing = [name for name in REQUIRED if name not in services]
    if missing:
        raise SystemExit(f"{path or deploy_file()}: required services missing: {', '.join(missing)}")
    return services


def feature_services(path: Path | None = None) -> dict[str, dict]:
    """The deployed services that take part in menus (all but the mailer)."""
    return {name: s for name, s in deployed_services(path).items() if name != "mailer"}
