import logging
import os


def setup_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("SCOLARITE_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Eventlet and kombu are chatty at INFO; their warnings still show.
    for noisy in ("kombu", "amqp", "nameko"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
