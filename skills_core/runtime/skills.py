"""Finding skills (bundled by name, or a path) and the trained model that matches one."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from skills_core.errors import ConfigError
from skills_core.nlu.config import NLUConfig
from skills_core.nlu.model import NLU
from skills_core.nlu.store import load_from_store, model_name, save_to_store
from skills_core.nlu.train import TrainingSummary, config_for, skill_hash, train_nlu
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill

logger = logging.getLogger(__name__)

BUNDLED = Path(__file__).resolve().parent.parent / "skills"
DEFAULT_SKILL = "bank_en"


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
    try:
        models = bentoml.models.list(model_name(skill.name))
    except NotFound:
        return None
    matches = [
        m
        for m in models
        if m.info.labels.get("skill_hash") == wanted and (mode is None or m.info.labels.get("mode") == mode)
    ]
    if not matches:
        return None
    newest = max(matches, key=lambda m: m.info.creation_time or datetime.min)
    return str(newest.tag)


def train_and_store(skill: Skill, *, config: NLUConfig | None = None) -> tuple[NLU, TrainingSummary, str]:
    """Train the skill's NLU and save it to the model store; returns the model, summary and tag."""
    cfg = config or config_for(skill)
    nlu, summary = train_nlu(skill, config=cfg)
    tag = save_to_store(nlu, labels={"skill": skill.name, "skill_hash": skill_hash(skill), "mode": cfg.mode})
    return nlu, summary, tag


def ensure_model(skill: Skill, *, retrain: bool = False, device: str = "auto") -> NLU:
    """The stored model for this exact skill, trained first when there is none (or ``retrain``)."""
    tag = None if retrain else find_model(skill)
    if tag is not None:
        logger.info("loading model %s", tag)
        return load_from_store(tag, device=device)
    logger.info("no trained model for skill %s: training one", skill.name)
    nlu, _, _ = train_and_store(skill)
    return nlu
