"""The local mail catcher: a real SMTP server (aiosmtpd) that keeps every
message it accepts as a `.eml` file instead of delivering it.

`make run` starts it (tools/cluster.py) so that a newcomer can open the
confirmation links from the gateway's development page (/dev/courriels); the
tests start it too, and steer its answers through a control file so that the
fault tests meet a real SMTP server that defers, refuses or is slow:

    <directory>/control.json   {"default": "250" | "451" | "550",
                                "recipients": {"adresse@exemple.fr": "550", ...},
                                "delay_seconds": 0.0}

`451` and `550` are answered to RCPT TO (per recipient, or for every one);
`delay_seconds` holds the answer to the end of DATA. While it holds a message,
the file `<directory>/holding` exists and holds that delay. A client that
disconnects before the answer has not had its message accepted, and the
message is not kept.

    python -m tools.mailcatcher [--dir var/mail] [--host 127.0.0.1] [--port 1025]
"""
import argparse
import asyncio
import json
import os
import signal
import threading
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller

from common.caught_mail import CaughtMail

ANSWERS = {
    "451": "451 4.3.0 Mailbox temporarily unavailable (mail catcher)",
    "550": "550 5.1.1 Mailbox unavailable (mail catcher)",
}


class CatchingHandler:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._control_mtime = None
        self._control = {}
        self._sequence = 0
        self._lock = threading.Lock()

    def control(self) -> dict:
        path = self.directory / "control.json"
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            self._control_mtime, self._control = None, {}
            return self._control
        if mtime != self._control_mtime:
            try:
                self._control = json.loads(path.read_text(encoding="utf-8") or "{}")
            except ValueError:
                return self._control  # written half-way: keep the previous answer
            self._control_mtime = mtime
        return self._control

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        control = self.control()
        answer = (control.get("recipients") or {}).get(address.lower(), control.get("default", "250"))
        if answer in ANSWERS:
            return ANSWERS[answer]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        delay = float(self.control().get("delay_seconds") or 0)
        if delay:
            holding = self.directory / "holding"
            holding.write_text(str(delay))
            try:
                # A client that goes away now cancels this coroutine: its
                # message was never accepted and is not kept.
                await asyncio.sleep(delay)
            finally:
                holding.unlink(missing_ok=True)
        self._store(envelope)
        return "250 2.0.0 Message accepted"

    def _store(self, envelope) -> None:
        with self._lock:
            self._sequence += 1
            sequence = self._sequence
        name = f"{time.time_ns()}-{sequence:06d}-{uuid.uuid4().hex[:8]}"
        trace = (f"X-Envelope-From: <{envelope.mail_from}>\r\n"
                 f"X-Envelope-To: {', '.join('<' + r + '>' for r in envelope.rcpt_tos)}\r\n").encode()
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(trace + envelope.original_content)
        # Renamed into place whole, so a reader never sees half a message.
        os.replace(tmp, self.directory / f"{name}.eml")


class Mailbox(CaughtMail):
    """The caught messages (common.caught_mail), and the catcher's steering for
    the tests and the benchmark."""

    def clear(self) -> None:
        for path in self.directory.glob("*.eml"):
            path.unlink(missing_ok=True)

    def answer(self, default: str = "250", recipients: dict | None = None, delay_seconds: float = 0) -> None:
        """Steer the catcher's answers (see the module's docstring)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        control = {"default": default, "recipients": {k.lower(): v for k, v in (recipients or {}).items()},
                   "delay_seconds": delay_seconds}
        tmp = self.directory / ".control.tmp"
        tmp.write_text(json.dumps(control), encoding="utf-8")
        os.replace(tmp, self.directory / "control.json")

    def holding(self) -> float | None:
        """The delay of the message the catcher is holding now, if any."""
        try:
            return float((self.directory / "holding").read_text() or 0)
        except (FileNotFoundError, ValueError):
            return None


def start(directory: Path, host: str = "127.0.0.1", port: int = 1025, **smtp_kwargs) -> Controller:
    """A running catcher in a thread of this process (Controller.stop() ends it)."""
    smtp_kwargs.setdefault("data_size_limit", 10 * 1024 * 1024)
    controller = Controller(CatchingHandler(directory), hostname=host, port=port, **smtp_kwargs)
    controller.start()
    return controller


def main(argv=None) -> int:
    from common.settings import ProcessSettings
    from services.mailer.settings import smtp_settings

    settings = smtp_settings()
    mail_catcher_dir = ProcessSettings.from_env().mail_catcher_dir
    parser = argparse.ArgumentParser(description="Serveur SMTP local qui garde chaque message reçu.")
    parser.add_argument("--dir", default=str(mail_catcher_dir))
    parser.add_argument("--host", default=settings["host"])
    parser.add_argument("--port", type=int, default=settings["port"])
    args = parser.parse_args(argv)
    controller = start(Path(args.dir), args.host, args.port)
    print(f"mailcatcher: ready on {args.host}:{args.port}, messages in {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
