"""A worker stops when its supervisor dies, even from a session of its own (as circus starts them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

from skills_core.serving.watchdog import in_bentoml_worker

WORKER = (
    "import time; from skills_core.serving.watchdog import follow_parent; "
    "assert follow_parent(interval_s=0.05, grace_s=5) is not None; time.sleep(60)"
)
SUPERVISOR = (
    "import subprocess, sys, time; "
    f"w = subprocess.Popen([sys.executable, '-c', {WORKER!r}], start_new_session=True); "
    "print(w.pid, flush=True); time.sleep(60)"
)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_worker_stops_when_its_supervisor_is_killed() -> None:
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISOR], stdout=subprocess.PIPE, text=True)
    assert supervisor.stdout is not None
    worker = int(supervisor.stdout.readline())
    try:
        time.sleep(0.5)
        assert not gone(worker)  # alive while its supervisor is
        supervisor.kill()
        supervisor.wait(timeout=10)
        deadline = time.monotonic() + 20
        while not gone(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(worker)
    finally:
        if not gone(worker):
            os.kill(worker, signal.SIGKILL)
        supervisor.kill()


def test_only_bentoml_workers_follow_their_parent() -> None:
    assert not in_bentoml_worker()  # pytest is not a BentoML worker: the service starts no watchdog here
