"""gunicorn's settings file for the gateway (`--config
python:gateway.gunicorn_conf`, tools/cluster.py).

The workers' Prometheus metrics (common/metrics.py) are kept in files under
PROMETHEUS_MULTIPROC_DIR, so that whichever worker answers /metrics sums them
all. The directory is chosen here, when gunicorn reads this file, before it
imports anything that imports prometheus-client (the logger class imports
the app), and emptied: counts left by a previous run must not be added to
this one's. It is prometheus-client's own variable, set here for the workers
(which read it into their settings, gateway/settings.py): this file is the
gunicorn side of the gateway's settings.

The worker class and the workers' and threads' numbers come from here too
(common/academie.py says why so many threads); a command line's `--workers`
or `--threads` (an académie file's, deploy/k8s) goes before them.
"""
import os
import shutil
import tempfile

from common.academie import GATEWAY_THREADS, GATEWAY_WORKERS

worker_class = "gthread"
workers = GATEWAY_WORKERS
threads = GATEWAY_THREADS

_directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _directory:
    shutil.rmtree(_directory, ignore_errors=True)
    os.makedirs(_directory)
else:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="scolarite-gateway-metrics-")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
