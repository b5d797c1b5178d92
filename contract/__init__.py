"""What services and the gateway share on the wire, imported by both sides:
the child context and menu entry (`feature`), news items (`news`), the mail
catalogue (`mail`), and the typed errors, shared ones in `errors` and each
service's own in `contract/<service>.py`. The gateway imports nothing under
services/: what it must know of a service is here."""
import importlib
import pkgutil


def load_all() -> None:
    """Import every module of the contract, so that each wire error is known to
    the process (nameko's registry) whichever service raises it."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
