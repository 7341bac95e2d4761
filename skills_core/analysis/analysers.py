"""Custom text classifiers declared in a skill (``analysers:``), trained with the intents' machinery.

An analyser is an NLU whose intents are the analyser's labels and which has no entities: it is
trained by :func:`skills_core.nlu.train.fit` (``fast`` or ``finetune``, the skill's ``nlu:`` settings),
saved with ``NLU.save`` and evaluated with :func:`skills_core.nlu.evaluate.evaluate`. Unlike the
intent model it has no out-of-scope fallback: it always picks one of its labels.

Artifact layout::

    <dir>/analysers.json     format, analyser names         (save_analysers / load_analysers)
    <dir>/<name>/analyser.json   format, name, labels
    <dir>/<name>/nlu.json, heads.safetensors, ...            (the NLU artifact)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from skills_core.errors import ArtifactError, ConfigError
from skills_core.nlu.config import NLUConfig
from skills_core.nlu.evaluate import EvaluationReport, evaluate
from skills_core.nlu.model import NLU
from skills_core.nlu.train import TrainingSummary, config_for, fit, split_examples
from skills_core.spec.annotations import Example
from skills_core.spec.models import Skill
from skills_core.spec.types import IntentScore, Parse

FORMAT = "skills-analyser/1"
INDEX_FORMAT = "skills-analysers/1"


class LabelScore(BaseModel):
    """One label with its probability."""

    model_config = ConfigDict(frozen=True)

    label: str
    confidence: float = Field(ge=0.0, le=1.0)


class AnalyserResult(BaseModel):
    """An analyser's reading of one text: the chosen label and every label by descending confidence."""

    model_config = ConfigDict(frozen=True)

    label: str
    confidence: float = Field(ge=0.0, le=1.0)
    ranking: list[LabelScore]


class Analyser:
    """A trained text classifier. Use :func:`train_analyser` or :meth:`Analyser.load`."""

    def __init__(self, name: str, nlu: NLU) -> None:
        self.name = name
        self.nlu = nlu

    @property
    def labels(self) -> list[str]:
        """The labels, sorted."""
        return list(self.nlu.meta.intents)

    @property
    def version(self) -> str:
        return self.nlu.version

    def predict(self, texts: Sequence[str], *, batch_size: int = 64) -> list[AnalyserResult]:
        """The label of each text (batched; equal to one-by-one prediction)."""
        probs = self.nlu.predict_proba(list(texts), batch_size=batch_size).round(6)
        labels = self.nlu.meta.intents
        out: list[AnalyserResult] = []
        for row in probs:
            order = [int(i) for i in np.argsort(-row, kind="stable")]
            ranking = [LabelScore(label=labels[i], confidence=float(row[i])) for i in order]
            out.append(
                AnalyserResult(label=ranking[0].label, confidence=ranking[0].confidence, ranking=ranking)
            )
        return out

    def parse(self, texts: Sequence[str]) -> list[Parse]:
        """Predictions as :class:`Parse` objects (labels as intents), for the NLU's evaluation tools."""
        return [
            Parse(
                text=text,
                intent=result.label,
                confidence=result.confidence,
                ranking=[IntentScore(name=s.label, confidence=s.confidence) for s in result.ranking],
                model_version=self.version or None,
            )
            for text, result in zip(texts, self.predict(texts), strict=True)
        ]

    def evaluate(self, examples: Sequence[Example]) -> EvaluationReport:
        """Accuracy, per-label scores, confusions... on labelled examples (``intent`` = label)."""
        return evaluate(examples, self.parse([ex.text for ex in examples]))

    def save(self, directory: str | Path) -> Path:
        """Write the analyser into ``directory`` (created if missing)."""
        path = self.nlu.save(directory)
        info = {"format": FORMAT, "name": self.name, "labels": self.labels}
        (path / "analyser.json").write_text(json.dumps(info, indent=2, ensure_ascii=False))
        return path

    @classmethod
    def load(cls, directory: str | Path, *, device: str = "auto") -> Analyser:
        """Load an analyser written by :meth:`save`; a damaged one raises ArtifactError."""
        path = Path(directory)
        info = _read_json(path / "analyser.json", FORMAT, fix="retrain the analysers (skills train)")
        nlu = NLU.load(path, device=device)
        if not isinstance(info.get("name"), str) or info.get("labels") != nlu.meta.intents:
            raise ArtifactError(
                f"expected analyser.json in {path} to name the analyser and list the labels of its model; "
                f"found {info!r}. Fix: retrain the analysers"
            )
        return cls(info["name"], nlu)


def analyser_examples(skill: Skill, name: str) -> list[Example]:
    """The labelled examples of analyser ``name`` (label as ``intent``, no spans)."""
    analyser = skill.analysers.get(name)
    if analyser is None:
        known = ", ".join(sorted(skill.analysers)) or "none declared"
        raise ConfigError(
            f"expected an analyser of skill '{skill.name}' ({known}); found {name!r}. "
            "Fix: use a declared name, or declare it under 'analysers:'"
        )
    return [Example(text=t, intent=label, spans=()) for label, ts in analyser.labels.items() for t in ts]


def analyser_hash(skill: Skill, name: str) -> str:
    """Hash of what analyser ``name`` learns from (its definition, the skill's language and nlu settings)."""
    part = {"language": skill.language, "nlu": skill.nlu, "analyser": skill.analysers[name].model_dump()}
    return hashlib.sha256(json.dumps(part, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def analyser_config(skill: Skill, name: str, *, config: NLUConfig | None = None) -> NLUConfig:
    """The training settings of analyser ``name``: ``config`` (default: the skill's ``nlu:`` settings)
    with the analyser's own ``mode`` on top when it sets one."""
    cfg = config or config_for(skill)
    mode = skill.analysers[name].mode
    return cfg if mode is None or mode == cfg.mode else cfg.model_copy(update={"mode": mode})


def train_analyser(
    skill: Skill, name: str, *, config: NLUConfig | None = None
) -> tuple[Analyser, TrainingSummary]:
    """Train analyser ``name`` of ``skill``.

    Args:
        config: Base training settings (default: the skill's ``nlu:`` settings); the analyser's own
            ``mode``, when it sets one, replaces the base mode.
    """
    examples = analyser_examples(skill, name)
    cfg = analyser_config(skill, name, config=config)
    train, val = split_examples(examples, fraction=cfg.validation_fraction, seed=cfg.seed)
    nlu, summary = fit(train, val, config=cfg, language=skill.language, entities={}, learned=[])
    digest = analyser_hash(skill, name)
    nlu.meta.skill_name = skill.name
    nlu.meta.skill_hash = digest
    nlu.meta.version = f"{skill.name}.{name}-{digest[:8]}"
    return Analyser(name, nlu), summary


def train_analysers(
    skill: Skill, *, config: NLUConfig | None = None, names: Sequence[str] | None = None
) -> dict[str, Analyser]:
    """Train every analyser of ``skill`` (or those in ``names``); see :func:`train_analyser`."""
    chosen = list(skill.analysers) if names is None else list(names)
    return {name: train_analyser(skill, name, config=config)[0] for name in chosen}


def save_analysers(analysers: Mapping[str, Analyser], directory: str | Path) -> Path:
    """Write each analyser into ``directory/<name>/`` and an index of their names."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for name, analyser in analysers.items():
        analyser.save(path / name)
    index = {"format": INDEX_FORMAT, "analysers": sorted(analysers)}
    (path / "analysers.json").write_text(json.dumps(index, indent=2, ensure_ascii=False))
    return path


def load_analysers(directory: str | Path, *, device: str = "auto") -> dict[str, Analyser]:
    """Load the analysers written by :func:`save_analysers`."""
    path = Path(directory)
    index = _read_json(path / "analysers.json", INDEX_FORMAT, fix="save the analysers with save_analysers")
    names = index.get("analysers")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ArtifactError(
            f"expected a list of analyser names in {path / 'analysers.json'}; found {names!r}. "
            "Fix: save the analysers again"
        )
    return {name: Analyser.load(path / name, device=device) for name in names}


def _read_json(file: Path, fmt: str, *, fix: str) -> dict[str, object]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ArtifactError(f"expected {file}; found no such file. Fix: {fix}") from e
    except (OSError, ValueError) as e:
        raise ArtifactError(f"expected readable JSON in {file}; {e}. Fix: {fix}") from e
    if not isinstance(data, dict) or data.get("format") != fmt:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ArtifactError(f"expected format {fmt!r} in {file}; found {found!r}. Fix: {fix}")
    return data
