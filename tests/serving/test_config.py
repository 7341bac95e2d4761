"""Server configuration from SKILLS_* variables over an optional file."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills_core.errors import ConfigError
from skills_core.serving.config import ServeConfig


def test_defaults() -> None:
    config = ServeConfig.load({})
    assert (config.skill, config.store_url, config.workers, config.log_text) == (
        "bank_en",
        "memory://",
        1,
        "masked",
    )
    assert config.api_token is None and config.admin_token is None


def test_environment_variables_are_typed() -> None:
    config = ServeConfig.load(
        {
            "SKILLS_STORE_URL": "redis://r:6379/0",
            "SKILLS_API_TOKEN": "t0ken",
            "SKILLS_WORKERS": "3",
            "SKILLS_MAX_LATENCY_MS": "2500",
            "SKILLS_HALF": "false",
            "SKILLS_GPU_MEMORY_FRACTION": "0.5",
            "SKILLS_LOG_TEXT": "off",
            "SKILLS_MODEL": "",  # empty means unset
        }
    )
    assert config.store_url == "redis://r:6379/0" and config.workers == 3 and config.max_latency_ms == 2500
    assert config.half is False and config.gpu_memory_fraction == 0.5 and config.log_text == "off"
    assert config.api_token is not None and config.api_token.get_secret_value() == "t0ken"
    assert "t0ken" not in repr(config) and config.model is None


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_file_then_environment(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"serve{suffix}"
    path.write_text(
        "skill: tests/x\nworkers: 2\nlog_level: DEBUG\n"
        if suffix == ".yaml"
        else '{"skill": "tests/x", "workers": 2}'
    )
    config = ServeConfig.load({"SKILLS_CONFIG": str(path), "SKILLS_WORKERS": "4"})
    assert (config.skill, config.workers) == ("tests/x", 4)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"SKILLS_WORKERS": "many"}, "SKILLS_WORKERS"),
        ({"SKILLS_GPU_MEMORY_FRACTION": "1.5"}, "SKILLS_GPU_MEMORY_FRACTION"),
        ({"SKILLS_LOG_TEXT": "all"}, "SKILLS_LOG_TEXT"),
        ({"SKILLS_CONFIG": "/no/such/file.yaml"}, "readable config file"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        ServeConfig.load(env)


def test_unknown_keys_in_the_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text("skil: typo\n")
    with pytest.raises(ConfigError, match="SKILLS_SKIL"):
        ServeConfig.load({"SKILLS_CONFIG": str(path)})


def test_plan_directory_defaults_under_the_bentoml_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BENTOML_HOME", str(tmp_path))
    assert ServeConfig.load({}).plan_directory == tmp_path / "skills"
    assert ServeConfig.load({"SKILLS_PLAN_DIR": "/srv/plans"}).plan_directory == Path("/srv/plans")
