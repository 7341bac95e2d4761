"""Paths and helpers shared by the deployment tests (imported by conftest.py and the tests).

The tools come from the ``deploy`` extra (kubectl, kubernetes-validate, check-jsonschema, uv), a
separate checkov venv (``.venv-checkov``: checkov pins versions that clash with ours) and Debian's
``prometheus`` package (promtool). Without one a test skips on a workstation and fails under CI,
so that a missing install step cannot pass as green.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = ("cpu", "gpu")
CHECKOV_VENV = REPO / ".venv-checkov"


def missing_tool(what: str, install: str) -> NoReturn:
    """Skip (workstation) or fail (CI) because ``what`` is not installed."""
    message = f"{what} is not installed. Fix: {install}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def find_tool(name: str, *, extra_dirs: tuple[Path, ...] = ()) -> str | None:
    """``name`` from the running venv (or ``extra_dirs``) first, then from PATH."""
    for folder in (Path(sys.executable).parent, *extra_dirs):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def run(cmd: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    """Run ``cmd``; on failure, fail the test with its output."""
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def load(path: Path) -> dict[str, Any]:
    """A YAML file as a mapping."""
    return yaml.safe_load(path.read_text())


def merge(base: Any, override: Any, *, key: str = "") -> Any:
    """Compose's merge of an override file: mappings merge, short-syntax ``volumes`` merge by target.

    Enough for these files; other lists are replaced (compose appends some, none of which we override).
    """
    if isinstance(base, dict) and isinstance(override, dict):
        merged = copy.deepcopy(base)
        for name, value in override.items():
            merged[name] = merge(base[name], value, key=name) if name in base else copy.deepcopy(value)
        return merged
    if key == "volumes" and isinstance(base, list) and isinstance(override, list):
        by_target = {str(v).split(":")[1]: v for v in base}
        by_target.update({str(v).split(":")[1]: v for v in override})
        return list(by_target.values())
    return copy.deepcopy(override)
