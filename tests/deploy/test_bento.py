"""``bentoml build``: the service, the files, the model, the pinned packages and the CUDA image."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from deploy_support import REPO
from packaging.requirements import Requirement

BENTOFILE = yaml.safe_load((REPO / "bentofile.yaml").read_text())


def pinned() -> dict[str, str]:
    """The runtime pins the bento is built from (bentofile.yaml names the file): name -> version."""
    assert BENTOFILE["python"]["requirements_txt"] == "deploy/requirements.txt"
    pins = {}
    for line in (REPO / "deploy" / "requirements.txt").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{line}: pin an exact version (==)"
        pins[canonical(req.name)] = spec.version
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(bento: Path) -> dict[str, str]:
    text = (bento / "env" / "python" / "requirements.lock.txt").read_text()
    return {canonical(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", text, re.M)}


def dockerfile(bento: Path) -> str:
    return (bento / "env" / "docker" / "Dockerfile").read_text()


def test_the_packages_are_the_tested_versions() -> None:
    """Every runtime dependency of pyproject (and the redis extra) is pinned to what the venv runs."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = [*project["dependencies"], *project["optional-dependencies"]["redis"]]
    pins = pinned()
    for line in needed:
        name = canonical(Requirement(line).name)
        assert name in pins, f"deploy/requirements.txt: add {name}=={importlib.metadata.version(name)}"
        installed = importlib.metadata.version(name).split("+")[
            0
        ]  # torch 2.13.0+cpu here, the CUDA build there
        assert pins[name] == installed, (
            f"deploy/requirements.txt pins {name}=={pins[name]}; the tests run {installed}"
        )
        assert Requirement(line).specifier.contains(pins[name]), (
            f"{name}=={pins[name]} breaks pyproject's {line}"
        )


@pytest.mark.slow
def test_the_bento_has_the_service_the_model_and_the_envs(bento: Path) -> None:
    info = yaml.safe_load((bento / "bento.yaml").read_text())
    assert info["service"] == "service:SkillsService" and info["name"] == "skills"
    assert [m["tag"].split(":")[0] for m in info["models"]] == ["skills-bank_en"]
    envs = {e["name"]: e["value"] for e in info["envs"]}
    assert envs["HF_HUB_OFFLINE"] == "1" and envs["SKILLS_STORE_URL"] == "memory://"
    routes = {r["route"] for r in info["schema"]["routes"]}
    assert {"/parse", "/chat"} <= routes


@pytest.mark.slow
def test_containerize_puts_the_model_into_the_image(containerize_context: Path) -> None:
    """`bentoml containerize` copies the model from the store into the build context (then the image)."""
    models = containerize_context / "models" / "skills-bank_en"
    assert [p.name for p in models.glob("*/STAND-IN.txt")] == ["STAND-IN.txt"]
    text = (containerize_context / "env" / "docker" / "Dockerfile").read_text()
    assert re.search(r"^FROM nvidia/cuda:", text, re.M) and "COPY --chown=bentoml:bentoml . ./" in text


@pytest.mark.slow
def test_the_bento_ships_the_code_and_the_bundled_skills_only(bento: Path) -> None:
    src = bento / "src"
    files = {str(p.relative_to(src)) for p in src.rglob("*") if p.is_file()}
    assert "service.py" in files and "skills_core/serving/service.py" in files
    for skill in ("bank_en", "bank_zh"):
        shipped = {f for f in files if f.startswith(f"skills_core/skills/{skill}/")}
        expected = {
            str(p.relative_to(REPO))
            for p in (REPO / "skills_core" / "skills" / skill).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert shipped == expected
    leaked = [
        f for f in files if f.startswith(("tests/", "deploy/", ".venv", "notebooks/")) or "__pycache__" in f
    ]
    assert not leaked, f"not for the image: {leaked[:10]}"


@pytest.mark.slow
def test_the_image_is_the_cuda_base_with_matching_torch(bento: Path) -> None:
    text = dockerfile(bento)
    base = re.search(r"^FROM (nvidia/cuda:(\d+)\.(\d+)\.\d+-[a-z-]+-ubuntu[\d.]+)", text, re.M)
    assert base, f"expected an nvidia/cuda base image; found {text.splitlines()[:10]}"
    assert base[1] == BENTOFILE["docker"]["base_image"]
    cuda = (base[2], base[3])
    locked = lock(bento)
    assert locked["torch"] == pinned()["torch"]
    # torch's CUDA runtime wheels (nvidia-cuda-runtime, or -cuXY packages) match the image's CUDA
    runtime = locked.get("nvidia-cuda-runtime") or locked.get(f"nvidia-cuda-runtime-cu{cuda[0]}")
    assert runtime, (
        f"expected torch's CUDA runtime in the lock; found {sorted(k for k in locked if 'nvidia' in k)}"
    )
    assert tuple(runtime.split(".")[:2]) == cuda, (
        f"torch needs CUDA {runtime}; the image is CUDA {'.'.join(cuda)}"
    )
    assert not [k for k in locked if re.search(r"-cu(\d+)$", k) and not k.endswith(f"-cu{cuda[0]}")]


@pytest.mark.slow
def test_the_lock_keeps_every_pin(bento: Path) -> None:
    locked = lock(bento)
    for name, version in pinned().items():
        assert locked.get(name) == version, f"{name}: pinned {version}, locked {locked.get(name)}"


@pytest.mark.slow
def test_the_image_runs_as_uid_10001_with_a_readiness_healthcheck(bento: Path) -> None:
    text = dockerfile(bento)
    assert "ARG BENTO_USER_UID=10001" in text and re.search(r"^USER bentoml$", text, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*http://127\.0\.0\.1:3000/readyz", text, re.M)
    assert "python3.11" not in text and "uv venv -p 3.11" in text
    for name, value in {"HF_HUB_OFFLINE": "1", "SKILLS_DEVICE": "auto"}.items():
        assert f"ARG {name}={value}" in text
