"""A worker follows its supervisor: when the ``bentoml serve`` process dies, its workers stop too.

BentoML's process manager (circus) starts every worker in a session of its own, so a supervisor
killed outright (SIGKILL, the OOM killer) signals none of them: they would go on answering on the
inherited socket with nobody to restart or stop them, and a restarted server would share its port
with these orphans. A daemon thread in each worker notices that its parent is gone and shuts the
worker down (SIGTERM to itself, then a hard exit after ``grace_s``).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

logger = logging.getLogger(__name__)

WORKER_MODULE = "_bentoml_impl.worker"


def in_bentoml_worker() -> bool:
    """Whether this process is a BentoML worker (``python -m _bentoml_impl.worker.service``)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return bool(spec and spec.name.startswith(WORKER_MODULE))


def follow_parent(*, interval_s: float = 1.0, grace_s: float = 10.0) -> threading.Thread | None:
    """Stop this process once its parent process is gone; returns the watching thread (None: no parent).

    Args:
        interval_s: how often the parent is checked.
        grace_s: how long a graceful shutdown may take before the process exits hard.
    """
    parent = os.getppid()
    if parent <= 1:
        return None

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        logger.error("the server's supervisor (pid %d) is gone; this worker stops", parent)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace_s)
        os._exit(1)  # the graceful shutdown did not finish

    thread = threading.Thread(target=watch, name="skills-parent-watch", daemon=True)
    thread.start()
    return thread
