"""Reading what the local mail catcher (tools/mailcatcher.py, development and
tests only) kept: one `.eml` file per message. Standard library only, so the
gateway's development page reads it without the catcher's SMTP server."""
from email import policy
from email.parser import BytesParser
from pathlib import Path


class CaughtMail:
    """What the catcher kept, for the gateway's development page, the tests and
    the benchmark. Messages are named `<ns>-<sequence>-<random>.eml`, so their
    names sort by arrival."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def ids(self) -> list[str]:
        if not self.directory.exists():
            return []
        return sorted(p.stem for p in self.directory.glob("*.eml"))

    def count(self) -> int:
        return len(self.ids())

    def raw(self, message_id: str) -> bytes:
        if not message_id or "/" in message_id or message_id.startswith("."):
            raise FileNotFoundError(message_id)
        return (self.directory / f"{message_id}.eml").read_bytes()

    def message(self, message_id: str):
        return BytesParser(policy=policy.default).parsebytes(self.raw(message_id))

    def messages(self) -> list:
        """Every message, oldest first, parsed (email.message.EmailMessage)."""
        out = []
        for message_id in self.ids():
            try:
                out.append(self.message(message_id))
            except FileNotFoundError:
                continue  # cleared meanwhile
        return out
