"""The gateway's settings, read once from the environment into one object
(docs/configuration.md); the factory fills app.config from it.

In production (SCOLARITE_DEV not 1) every gateway instance must sign sessions
with the same key, so a missing SCOLARITE_SECRET_KEY stops the gateway at
start instead of generating a key that the other instances do not share.
"""
import secrets
from dataclasses import dataclass
from pathlib import Path

from common.deployment import deployed_services
from common.settings import ROOT, Env, ProcessSettings, SettingsError  # noqa: F401 (SettingsError re-exported)

MISSING_SECRET_KEY = (
    "SCOLARITE_SECRET_KEY is not set. In production every gateway instance must sign sessions with the "
    "same secret key: set SCOLARITE_SECRET_KEY (docs/configuration.md). For development, set SCOLARITE_DEV=1.")


def asset_paths(env: Env | None = None) -> tuple[Path, Path]:
    """The design system's built files and where gateway/assets.py writes the pages' assets."""
    env = env or Env()
    return (Path(env.text("SCOLARITE_DSFR_DIST", str(ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"))),
            Path(env.text("SCOLARITE_ASSETS_DIR", str(ROOT / "build" / "assets"))))


def _development_key(var_dir: Path) -> str:
    # One key per checkout, kept under var/ so sessions survive restarts.
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings(ProcessSettings):
    secret_key: str
    # A service that has not answered the menu within this many seconds is
    # shown as temporarily unavailable; the page does not wait longer.
    menu_timeout: float
    # A service not heard from (heartbeat or reply) for this long is shown as
    # temporarily unavailable without being asked (3 heartbeats).
    alive_within: float
    # A form's call that got no answer is asked again with its key this long (gateway/rpc.py).
    reask_timeout: float
    # Menu entries each worker keeps (gateway/menus.py), and the AMQP heartbeat of its watch connection.
    menu_cache_entries: int
    kept_pages: int
    watch_heartbeat: int
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
    # The port on which /readyz and /metrics answer (gunicorn binds it beside the
    # public one; gateway/operability.py); None: every port (development).
    internal_port: int | None = None
    # Where gunicorn's workers keep their metrics (gateway/gunicorn_conf.py sets it), or None.
    metrics_dir: str | None = None

    @classmethod
    def from_env(cls, environ=None) -> "Settings":
        env = Env(environ)
        common = ProcessSettings.read(env)
        secret_key = env.text("SCOLARITE_SECRET_KEY")
        if not secret_key:
            if not common["dev_mode"]:
                raise SettingsError(MISSING_SECRET_KEY)
            secret_key = _development_key(common["var_dir"])
        dsfr_dist, assets_dir = asset_paths(env)
        internal_port = env.integer("SCOLARITE_INTERNAL_PORT", 0, minimum=1)
        settings = cls(
            **common,
            secret_key=secret_key,
            menu_timeout=env.number("SCOLARITE_MENU_TIMEOUT", 1.5, minimum=0.1),
            alive_within=env.number("SCOLARITE_ALIVE_WITHIN", 15.0, minimum=0.1),
            reask_timeout=env.number("SCOLARITE_REASK_TIMEOUT", 2.0, minimum=0.1),
            menu_cache_entries=env.integer("SCOLARITE_MENU_CACHE_ENTRIES", 20000, minimum=1),
            # Home pages kept per worker (gateway/kept_bodies.py kept_page; about 8 KB each), 0: none.
            kept_pages=env.integer("SCOLARITE_KEPT_PAGES", 1000, minimum=0),
            watch_heartbeat=env.integer("SCOLARITE_WATCH_HEARTBEAT", 10, minimum=0),
            deployed_services=deployed_services(common["deploy_file"]),
            https=env.flag("SCOLARITE_HTTPS"),
            trusted_proxies=env.integer("SCOLARITE_TRUSTED_PROXIES", 0, minimum=0),
            # memory:// counts per gunicorn worker; redis://host:6379 shares the counts (docs/security.md).
            ratelimit_storage=env.text("SCOLARITE_RATELIMIT_STORAGE", "memory://"),
            ratelimit_prefix=env.text("SCOLARITE_RATELIMIT_PREFIX", "scolarite"),
            ratelimit_login=env.text("SCOLARITE_RATELIMIT_LOGIN", "10 per minute"),
            # Forgotten identifier or password, resending a confirmation link: each may send a mail.
            ratelimit_recovery=env.text("SCOLARITE_RATELIMIT_RECOVERY", "5 per minute;20 per hour"),
            # The portal's address as families type it (letters); the accounts service reads the same variable.
            public_url=env.text("SCOLARITE_PUBLIC_URL"),
            dsfr_dist=dsfr_dist,
            # The built stylesheet and script (gateway/assets.py), served under /static/build/.
            assets_dir=assets_dir,
            internal_port=internal_port or None,
            metrics_dir=env.text("PROMETHEUS_MULTIPROC_DIR"),
        )
        env.check("gateway")
        return settings

    def flask_config(self) -> dict:
        return {
            "SETTINGS": self,
            "SECRET_KEY": self.secret_key,
            "AMQP_URI": self.amqp_uri,
            "RPC_TIMEOUT": self.rpc_timeout,
            "RPC_HEARTBEAT": self.rpc_heartbeat,
            "RPC_MAX_BYTES": self.rpc_max_bytes,
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
            "REASK_TIMEOUT": self.reask_timeout,
            "MENU_CACHE_ENTRIES": self.menu_cache_entries,
            "KEPT_PAGES": self.kept_pages,
            "WATCH_HEARTBEAT": self.watch_heartbeat,
            "METRICS_DIR": self.metrics_dir,
        }
