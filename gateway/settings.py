"""The gateway's settings, read once from the environment into one object
(docs/configuration.md); the factory fills app.config from it.

In production (SCOLARITE_DEV not 1) every gateway instance must sign sessions
with the same key, so a missing SCOLARITE_SECRET_KEY stops the gateway at
start instead of generating a key that the other instances do not share.
"""
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from common import config as common_config
from common.deployment import deployed_services

MISSING_SECRET_KEY = (
    "SCOLARITE_SECRET_KEY is not set. In production every gateway instance must sign sessions with the "
    "same secret key: set SCOLARITE_SECRET_KEY (docs/configuration.md). For development, set SCOLARITE_DEV=1.")


class SettingsError(SystemExit):
    """A setting that stops the gateway at start, with the reason."""


def _development_key() -> str:
    # One key per checkout, kept under var/ so sessions survive restarts.
    path = common_config.var_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    dev_mode: bool
    secret_key: str
    amqp_uri: str
    rpc_timeout: float
    # A service that has not answered the menu within this many seconds is
    # shown as temporarily unavailable; the page does not wait longer.
    menu_timeout: float
    # A service not heard from (heartbeat or reply) for this long is shown as
    # temporarily unavailable without being asked (3 heartbeats).
    alive_within: float
    deployed_services: dict
    https: bool
    trusted_proxies: int
    ratelimit_storage: str
    ratelimit_prefix: str
    ratelimit_login: str
    ratelimit_recovery: str
    public_url: str | None
    dsfr_dist: Path
    assets_dir: Path
    # The shared cache of session views and tiles (gateway/view_cache.py), or None.
    view_cache: dict | None = None
    # The port on which /readyz and /metrics answer (gunicorn binds it beside the
    # public one; gateway/operability.py); None: every port (development).
    internal_port: int | None = None

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        dev_mode = env.get("SCOLARITE_DEV", "0") == "1"
        secret_key = env.get("SCOLARITE_SECRET_KEY")
        if not secret_key:
            if not dev_mode:
                raise SettingsError(MISSING_SECRET_KEY)
            secret_key = _development_key()
        return cls(
            dev_mode=dev_mode,
            secret_key=secret_key,
            amqp_uri=common_config.amqp_uri(),
            rpc_timeout=common_config.rpc_timeout(),
            menu_timeout=float(env.get("SCOLARITE_MENU_TIMEOUT", "1.5")),
            alive_within=float(env.get("SCOLARITE_ALIVE_WITHIN", "15")),
            deployed_services=deployed_services(),
            https=env.get("SCOLARITE_HTTPS", "0") == "1",
            trusted_proxies=int(env.get("SCOLARITE_TRUSTED_PROXIES", "0")),
            # memory:// counts per gunicorn worker; redis://host:6379 shares the counts (docs/security.md).
            ratelimit_storage=env.get("SCOLARITE_RATELIMIT_STORAGE", "memory://"),
            ratelimit_prefix=env.get("SCOLARITE_RATELIMIT_PREFIX", "scolarite"),
            ratelimit_login=env.get("SCOLARITE_RATELIMIT_LOGIN", "10 per minute"),
            # Forgotten identifier or password, resending a confirmation link: each may send a mail.
            ratelimit_recovery=env.get("SCOLARITE_RATELIMIT_RECOVERY", "5 per minute;20 per hour"),
            # The portal's address as families type it (letters); the accounts service reads the same variable.
            public_url=env.get("SCOLARITE_PUBLIC_URL"),
            dsfr_dist=Path(env.get("SCOLARITE_DSFR_DIST",
                                   common_config.ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist")),
            view_cache=common_config.view_cache(),
            # The built stylesheet and script (gateway/assets.py), served under /static/build/.
            assets_dir=Path(env.get("SCOLARITE_ASSETS_DIR", common_config.ROOT / "build" / "assets")),
            internal_port=int(env["SCOLARITE_INTERNAL_PORT"]) if env.get("SCOLARITE_INTERNAL_PORT") else None,
        )

    def flask_config(self) -> dict:
        return {
            "SETTINGS": self,
            "SECRET_KEY": self.secret_key,
            "AMQP_URI": self.amqp_uri,
            "RPC_TIMEOUT": self.rpc_timeout,
            "MENU_TIMEOUT": self.menu_timeout,
            "ALIVE_WITHIN": self.alive_within,
            "DEPLOYED_SERVICES": self.deployed_services,
            # The deployed services that take part in menus (all but the mailer).
            "FEATURE_SERVICES": {name: s for name, s in self.deployed_services.items() if name != "mailer"},
            "DEV_MODE": self.dev_mode,
            "SESSION_COOKIE_NAME": "scolarite",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.https,
            "PREFERRED_URL_SCHEME": "https" if self.https else "http",
            "WTF_CSRF_TIME_LIMIT": None,
            "BABEL_DEFAULT_LOCALE": "fr",
            "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage,
            "RATELIMIT_KEY_PREFIX": self.ratelimit_prefix,
            "RATELIMIT_LOGIN": self.ratelimit_login,
            "RATELIMIT_RECOVERY": self.ratelimit_recovery,
            "PUBLIC_URL": self.public_url,
            "DSFR_DIST": self.dsfr_dist,
            "VIEW_CACHE": self.view_cache,
            "ASSETS_DIR": self.assets_dir,
            "INTERNAL_PORT": self.internal_port,
        }
