"""Running the notebooks in subprocesses (papermill, nbval) and reading what they printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = [
    "01_quickstart",
    "02_intent_debugging",
    "03_evaluation",
    "04_dialogue_playground",
    "05_export",
]
TINY_SKILL = "tests/data/tiny_skill"
CONVERSATIONS = "tests/workbench/data/tiny_conversations.yml"
SMOKE = {"smoke": True, "skill": TINY_SKILL, "epochs": 1, "seed": 0}
"""Smoke parameters every notebook gets: the tiny test skill, 1 epoch."""


def notebook_env(bentoml_home: Path) -> dict[str, str]:
    """The environment of a notebook run: offline models, smoke defaults, a throw-away BentoML home."""
    env = dict(os.environ)
    env.update(
        {
            "SKILLS_NOTEBOOK_SMOKE": "1",
            "BENTOML_HOME": str(bentoml_home),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            # two notebooks run at once on two cores: one torch thread each (idle threads spin otherwise)
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            # quiet the kernel: no debugger warning about frozen modules, no platformdirs notice
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
        }
    )
    return env


@dataclass(frozen=True)
class Job:
    """One subprocess run: its command, where its outputs go, and its throw-away BentoML home."""

    name: str
    command: list[str]
    output: Path | None
    bentoml_home: Path


@dataclass(frozen=True)
class Result:
    job: Job
    returncode: int
    log: str

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.splitlines()[-lines:])


def papermill_job(name: str, params: dict[str, Any], workdir: Path, *, label: str | None = None) -> Job:
    """Execute ``notebooks/<name>.ipynb`` with papermill and ``params``, kernel started in notebooks/."""
    label = label or name
    home = Path(tempfile.mkdtemp(prefix="bentoml-", dir=workdir))
    params_file = workdir / f"{label}.params.json"
    params_file.write_text(json.dumps(params))
    output = workdir / f"{label}.ipynb"
    command = [
        sys.executable, "-m", "papermill", str(NOTEBOOKS / f"{name}.ipynb"), str(output),
        "-f", str(params_file), "-k", "python3", "--cwd", str(NOTEBOOKS),
        "--no-progress-bar", "--log-level", "WARNING", "--execution-timeout", "300",
    ]  # fmt: skip
    return Job(label, command, output, home)


def nbval_job(workdir: Path) -> Job:
    """``pytest --nbval-lax notebooks/``: every notebook as committed (smoke defaults from the env)."""
    home = Path(tempfile.mkdtemp(prefix="bentoml-", dir=workdir))
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout", "300",
        "-p", "no:cacheprovider", "-o", "addopts=", "-v", "--rootdir", str(ROOT), str(NOTEBOOKS),
    ]  # fmt: skip
    return Job("nbval", command, None, home)


def run(job: Job, *, timeout: float = 600) -> Result:
    """Run a job to completion; a time-out is a failed result, not an exception."""
    try:
        done = subprocess.run(
            job.command,
            cwd=ROOT,
            env=notebook_env(job.bentoml_home),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return Result(job, -1, f"timed out after {timeout}s\n{out}")
    return Result(job, done.returncode, done.stdout + done.stderr)


def outputs_text(path: Path) -> str:
    """Every text an executed notebook shows (streams, plain text, HTML, Markdown), joined."""
    nb = nbformat.read(path, as_version=4)
    parts: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            for key in ("text/plain", "text/html", "text/markdown"):
                value = out.get("data", {}).get(key)
                if value:
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def mime_count(path: Path, mime: str) -> int:
    """How many outputs of an executed notebook carry ``mime``."""
    nb = nbformat.read(path, as_version=4)
    return sum(mime in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


def write_tiny_snips(folder: Path) -> dict[str, int]:
    """A tiny dataset in the snips format (tokens + BIO tags) under ``folder/snips``; returns split sizes."""
    templates = {
        "PlayMusic": [("play", "O"), ("{x}", "artist")],
        "GetWeather": [("weather", "O"), ("in", "O"), ("{x}", "city")],
        "BookRestaurant": [("book", "O"), ("a", "O"), ("table", "O"), ("at", "O"), ("{x}", "restaurant")],
    }
    fillers = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
               "kilo", "lima", "mike"]  # fmt: skip
    sizes = {"train": 8, "valid": 2, "test": 3}
    target = folder / "snips"
    target.mkdir(parents=True)
    start = 0
    for split, n in sizes.items():
        lines = []
        for intent, template in templates.items():
            for filler in fillers[start : start + n]:
                tokens = [filler if word == "{x}" else word for word, _ in template]
                tags = ["O" if tag == "O" else f"B-{tag}" for _, tag in template]
                record = {"text": " ".join(tokens), "intent": intent, "tokens": tokens, "tags": tags}
                lines.append(json.dumps(record))
        (target / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
        start += n
    return {split: n * len(templates) for split, n in sizes.items()}
