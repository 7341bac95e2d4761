"""Server configuration: environment variables (``SKILLS_*``) over an optional YAML/JSON file.

Every field below can be set in a file named by ``SKILLS_CONFIG`` (keys as the field names) and
overridden by the environment variable ``SKILLS_<FIELD NAME IN CAPITALS>``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from skills_core.errors import ConfigError

ENV_PREFIX = "SKILLS_"
CONFIG_ENV = "SKILLS_CONFIG"


class ServeConfig(BaseModel):
    """Everything the server can be told, each field documented (see ``CONFIG.md``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skill: str = Field(default="bank_en", description="Skill folder/file, or a bundled skill name.")
    model: str | None = Field(
        default=None, description="Model tag to start from; default the newest stored model of this skill."
    )
    store_url: str = Field(default="memory://", description="Session store: memory://... or redis://...")
    api_token: SecretStr | None = Field(
        default=None,
        description="When set, /parse, /chat and /sessions need 'Authorization: Bearer <token>'.",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token of the /admin endpoints; unset disables them (403)."
    )
    workers: int = Field(default=1, ge=1, le=64, description="BentoML worker processes.")
    max_batch_size: int = Field(default=64, ge=1, le=1024, description="Adaptive batching: largest batch.")
    max_latency_ms: int = Field(
        default=10_000,
        ge=10,
        description="Adaptive batching: a request that would wait longer is shed with 503 overloaded.",
    )
    timeout_s: float = Field(default=60.0, gt=0, description="Request timeout of the HTTP server.")
    max_body_bytes: int = Field(default=65_536, ge=256, description="Largest accepted request body.")
    max_text_chars: int = Field(default=1_000, ge=1, description="Longest accepted user text.")
    max_batch_texts: int = Field(default=64, ge=1, description="Most texts in one /parse request.")
    max_session_id_chars: int = Field(default=128, ge=8, description="Longest accepted session id.")
    device: str = Field(default="auto", description="auto, cpu, cuda or cuda:N.")
    half: bool | None = Field(default=None, description="float16 encoder on CUDA; default on for CUDA.")
    gpu_memory_fraction: float | None = Field(
        default=None, gt=0, le=1, description="Cap of each worker's share of GPU memory."
    )
    torch_threads: int | None = Field(default=None, ge=1, description="torch intra-op threads per worker.")
    runtime: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        default="auto",
        description="Encoder runtime: auto (ONNX Runtime fp32 on CPU when the onnx extra is installed), "
        "torch, onnx or onnx-int8.",
    )
    model_check_s: float = Field(default=1.0, gt=0, description="How often workers look for a model change.")
    plan_dir: str | None = Field(
        default=None,
        description="Folder of the model plan file (memory store); default $BENTOML_HOME/skills.",
    )
    retry_after_s: int = Field(default=2, ge=1, description="Retry-After seconds on 503 answers.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    log_text: Literal["masked", "raw", "off"] = Field(
        default="masked", description="User text in logs: PII masked, as is, or left out."
    )

    @property
    def plan_directory(self) -> Path:
        if self.plan_dir:
            return Path(self.plan_dir).expanduser()
        return Path(os.environ.get("BENTOML_HOME", "~/bentoml")).expanduser() / "skills"

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> ServeConfig:
        """The file named by ``SKILLS_CONFIG`` (if any) with ``SKILLS_*`` variables on top."""
        env = os.environ if env is None else env
        data: dict[str, Any] = {}
        if env.get(CONFIG_ENV):
            data.update(_read_file(Path(env[CONFIG_ENV]).expanduser()))
        for name in cls.model_fields:
            value = env.get(ENV_PREFIX + name.upper())
            if value is not None and value != "":
                data[name] = value
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            problems = "; ".join(
                f"{ENV_PREFIX}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
                for err in e.errors()
            )
            raise ConfigError(
                f"expected a valid server configuration; found {problems}. Fix those settings"
            ) from e


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"expected a readable config file at {path} ({CONFIG_ENV}); {e}") from e
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            from ruamel.yaml import YAML

            data = YAML(typ="safe").load(text)
    except Exception as e:
        raise ConfigError(f"expected YAML or JSON in {path}; it does not parse ({e}). Fix the file") from e
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping of settings in {path}; found {type(data).__name__}")
    return data
