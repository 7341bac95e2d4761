"""Finding skills (bundled by name, or a path) and the trained model that matches one.

A stored model holds the skill's NLU and, in its ``analysers/`` folder, the skill's analysers
(``skills_core.analysis.analysers``), trained together and loaded together; a model stored without
analysers (older, or a skill without any) loads with none.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from skills_core.analysis.analysers import (
    Analyser,
    analyser_hash,
    load_analysers,
    save_analysers,
    train_analysers,
)
from skills_core.errors import ConfigError
from skills_core.nlu.config import NLUConfig
from skills_core.nlu.model import NLU
from skills_core.nlu.store import load_from_store, model_name, save_to_store, store_path
from skills_core.nlu.train import TrainingSummary, config_for, skill_hash, train_nlu
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill

logger = logging.getLogger(__name__)

BUNDLED = Path(__file__).resolve().parent.parent / "skills"
DEFAULT_SKILL = "bank_en"
ANALYSERS_DIR = "analysers"
"""The folder of a stored model that holds the skill's analysers."""


@dataclass(frozen=True)
class StoredModels:
    """What :func:`train_and_store` trained and stored under one tag."""

    nlu: NLU
    analysers: dict[str, Analyser]
    summary: TrainingSummary
    tag: str


def bundled_skills() -> list[str]:
    """Names of the example skills shipped inside the package."""
    return (
        sorted(p.name for p in BUNDLED.iterdir() if p.is_dir() and any(p.glob("*.y*ml")))
        if BUNDLED.is_dir()
        else []
    )


def resolve_skill_path(name_or_path: str | Path) -> Path:
    """A skill file or folder: an existing path, or the name of a bundled skill."""
    path = Path(name_or_path).expanduser()
    if path.exists():
        return path
    if str(name_or_path) in bundled_skills():
        return BUNDLED / str(name_or_path)
    raise ConfigError(
        f"expected a skill file or folder, or a bundled skill name ({', '.join(bundled_skills())}); "
        f"found {str(name_or_path)!r}, which is neither. Fix: check the path, or use a bundled name"
    )


def open_skill(name_or_path: str | Path) -> Skill:
    """Load and validate a skill by path or bundled name."""
    return load_skill(resolve_skill_path(name_or_path))


def find_model(skill: Skill, *, mode: str | None = None) -> str | None:
    """Tag of the newest stored model trained on exactly this skill (and mode), if any."""
    import bentoml
    from bentoml.exceptions import NotFound

    wanted = skill_hash(skill)
    wanted_analysers = analysers_hash(skill)
    try:
        models = bentoml.models.list(model_name(skill.name))
    except NotFound:
        return None
    matches = [
        m
        for m in models
        if m.info.labels.get("skill_hash") == wanted
        and m.info.labels.get("analysers_hash", "") == wanted_analysers
        and (mode is None or m.info.labels.get("mode") == mode)
    ]
    if not matches:
        return None
    newest = max(matches, key=lambda m: m.info.creation_time or datetime.min)
    return str(newest.tag)


def analysers_hash(skill: Skill) -> str:
    """Hash of what the skill's analysers learn from; empty when it declares none."""
    if not skill.analysers:
        return ""
    parts = "|".join(f"{name}={analyser_hash(skill, name)}" for name in sorted(skill.analysers))
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


def train_and_store_all(skill: Skill, *, config: NLUConfig | None = None) -> StoredModels:
    """Train the skill's NLU and its analysers (same settings) and store them under one tag."""
    cfg = config or config_for(skill)
    nlu, summary = train_nlu(skill, config=cfg)
    analysers = train_analysers(skill, config=cfg)
    labels = {"skill": skill.name, "skill_hash": skill_hash(skill), "mode": cfg.mode}
    if analysers:
        labels["analysers_hash"] = analysers_hash(skill)

    def write_analysers(path: Path) -> None:
        if analysers:
            save_analysers(analysers, path / ANALYSERS_DIR)

    tag = save_to_store(nlu, labels=labels, extra=write_analysers)
    return StoredModels(nlu=nlu, analysers=analysers, summary=summary, tag=tag)


def train_and_store(skill: Skill, *, config: NLUConfig | None = None) -> tuple[NLU, TrainingSummary, str]:
    """Train the skill's NLU and analysers and save them to the model store; returns the model, summary
    and tag (:func:`train_and_store_all` also returns the analysers)."""
    stored = train_and_store_all(skill, config=config)
    return stored.nlu, stored.summary, stored.tag


def stored_analysers(tag: str, *, device: str = "auto") -> dict[str, Analyser]:
    """The analysers stored with model ``tag``; none when it was stored without any."""
    folder = store_path(tag) / ANALYSERS_DIR
    if not (folder / "analysers.json").is_file():
        return {}
    return load_analysers(folder, device=device)


def ensure_models(
    skill: Skill, *, retrain: bool = False, device: str = "auto"
) -> tuple[NLU, dict[str, Analyser]]:
    """The stored NLU and analysers for this exact skill, trained first when there are none (or ``retrain``)."""
    tag = None if retrain else find_model(skill)
    if tag is not None:
        logger.info("loading model %s", tag)
        return load_from_store(tag, device=device), stored_analysers(tag, device=device)
    logger.info("no trained model for skill %s: training one", skill.name)
    stored = train_and_store_all(skill)
    return stored.nlu, stored.analysers


def ensure_model(skill: Skill, *, retrain: bool = False, device: str = "auto") -> NLU:
    """The stored model for this exact skill, trained first when there is none (or ``retrain``)."""
    return ensure_models(skill, retrain=retrain, device=device)[0]
