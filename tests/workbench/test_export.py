"""Export helpers: the model store listing, the Bento build's preconditions, the shipping commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel import yaml

from skills_core.errors import ConfigError
from skills_core.workbench import (
    bentoml_home,
    build_bento,
    commands_markdown,
    deployment_commands,
    stored_models,
)


def test_bentoml_home_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BENTOML_HOME", str(tmp_path))
    assert bentoml_home() == tmp_path
    monkeypatch.delenv("BENTOML_HOME")
    assert bentoml_home() == Path.home() / "bentoml"


def test_stored_models_of_an_unknown_name_is_empty() -> None:
    assert stored_models("skills-never-trained-here") == []


def test_build_without_a_bentofile_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"bentofile\.yaml"):
        build_bento(tmp_path)


@pytest.mark.parametrize(
    ("bento", "expected", "absent"),
    [
        (
            "skills:abc",
            ["bentoml serve skills:abc", "bentoml containerize skills:abc", "bentoml deploy skills:abc"],
            "bentoml build",
        ),
        (
            None,
            ["bentoml build", "bentoml serve .", "bentoml containerize <bento tag>"],
            "bentoml deploy skills",
        ),
    ],
)
def test_deployment_commands(bento: str | None, expected: list[str], absent: str) -> None:
    commands = deployment_commands(model_tag="skills-x:v1", bento=bento)
    text = commands_markdown(commands)
    for needle in ["bentoml models export skills-x:v1", "docker compose", "kubectl apply -k", *expected]:
        assert needle in text
    assert absent not in text
    assert text.count("\n") == len(commands) - 1


BUILD = """
import sys
from skills_core.nlu.store import save_to_store
from skills_core.nlu.train import config_for, train_nlu
from skills_core.spec.loader import load_skill
from skills_core.workbench import build_bento

skill = load_skill(sys.argv[1])
nlu, _ = train_nlu(skill, config=config_for(skill, epochs=1, progress=False))
for name in sys.argv[3:]:  # the models the bentofile bakes in: the tiny model stands in for each
    save_to_store(nlu, name=name)
print("BENTO", build_bento(sys.argv[2]))
"""


@pytest.mark.slow
def test_build_bento_from_the_repository(tmp_path: Path, tiny_skill_path: Path) -> None:
    """A real `bentoml build` of the repository's bentofile, in a throw-away BentoML home."""
    root = Path(__file__).resolve().parents[2]
    bentofile = yaml.YAML(typ="safe").load((root / "bentofile.yaml").read_text())
    models = [str(m if isinstance(m, str) else m["tag"]).split(":")[0] for m in bentofile.get("models", [])]
    env = {**os.environ, "BENTOML_HOME": str(tmp_path / "bentoml"), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(tiny_skill_path), str(root), *models],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    tag = done.stdout.split("BENTO ", 1)[1].split()[0]
    name, version = tag.split(":")
    assert name == bentofile["name"]
    assert (tmp_path / "bentoml" / "bentos" / name / version / "bento.yaml").is_file()
