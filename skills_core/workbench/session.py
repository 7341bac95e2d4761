"""The workbench's state: a skill, a fixed validation split, and the models trained on the rest.

The validation split is drawn once, when the workbench opens, so every retrain after an edit is
compared on the same utterances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from skills_core.errors import ConfigError
from skills_core.nlu.config import NLUConfig
from skills_core.nlu.evaluate import EvaluationReport, evaluate
from skills_core.nlu.model import NLU
from skills_core.nlu.train import TrainingSummary, config_for, fit, split_examples
from skills_core.spec.annotations import AnnotationError, Example, parse_example
from skills_core.spec.dataset import learned_entities, training_examples
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Intent, Skill
from skills_core.spec.types import OUT_OF_SCOPE, Parse
from skills_core.workbench.compare import Comparison, compare
from skills_core.workbench.paths import resolve_skill


@dataclass(frozen=True)
class Run:
    """One training run: the model, its summary, and its predictions on the validation split."""

    number: int
    nlu: NLU
    summary: TrainingSummary
    predictions: list[Parse]
    report: EvaluationReport | None
    added: dict[str, list[str]] = field(default_factory=dict)
    """Examples added (per intent) since the previous run."""
    reloaded: bool = False
    """The skill was read again from its files since the previous run."""


class Workbench:
    """A skill under study: train on it, parse, evaluate on held-out examples, edit and retrain.

    Build one with :meth:`open`; nothing is trained until :meth:`train`.
    """

    def __init__(self, skill: Skill, *, config: NLUConfig, path: Path | None = None) -> None:
        self.skill = skill
        self.path = path
        self.config = config
        examples = training_examples(skill)
        _, self.validation = split_examples(examples, fraction=config.validation_fraction, seed=config.seed)
        self.runs: list[Run] = []
        self._pending: dict[str, list[str]] = {}
        self._reloaded = False

    @classmethod
    def open(
        cls,
        skill: str | Path,
        *,
        mode: str = "fast",
        epochs: int | None = None,
        seed: int = 0,
        **overrides: object,
    ) -> Workbench:
        """Load a skill by bundled name or path (relative paths from the repository root).

        Args:
            mode: ``fast`` (frozen encoder) or ``finetune``.
            epochs: upper bound on training epochs (None: the mode's default).
            seed: seeds the validation split and training.
            overrides: any other :class:`~skills_core.nlu.config.NLUConfig` field.
        """
        path = resolve_skill(skill)
        spec = load_skill(path)
        config = config_for(spec, mode=mode, epochs=epochs, seed=seed, progress=False, **overrides)
        return cls(spec, config=config, path=path)

    # -- data ------------------------------------------------------------------------------
    @property
    def intents(self) -> list[str]:
        """The skill's intents, sorted (out-of-scope last when the skill has negative examples)."""
        names = sorted(self.skill.intents)
        return [*names, OUT_OF_SCOPE] if self.skill.out_of_scope.examples else names

    def training_set(self) -> list[Example]:
        """Every example of the current skill except those held out for validation."""
        held_out = {(ex.text, ex.intent) for ex in self.validation}
        return [ex for ex in training_examples(self.skill) if (ex.text, ex.intent) not in held_out]

    def add_examples(self, intent: str, texts: list[str]) -> list[Example]:
        """Add training examples (inline ``[text](entity)`` markup allowed) to an intent, in memory.

        They are used from the next :meth:`train`; the skill files on disk are not changed.

        Raises:
            ConfigError: the intent is unknown, or an example's markup is malformed.
        """
        if intent not in self.skill.intents and intent != OUT_OF_SCOPE:
            raise ConfigError(
                f"expected one of the skill's intents ({', '.join(self.intents)}); found {intent!r}. "
                "Fix: pick an existing intent (add new intents in the skill's YAML)"
            )
        raws = [t.strip() for t in texts if t.strip()]
        parsed = []
        for raw in raws:
            try:
                parsed.append(parse_example(raw, intent))
            except AnnotationError as e:
                raise ConfigError(f"example {raw!r}: {e}") from e
        if intent == OUT_OF_SCOPE:
            oos = self.skill.out_of_scope
            update: dict[str, object] = {
                "out_of_scope": oos.model_copy(update={"examples": [*oos.examples, *raws]})
            }
        else:
            old = self.skill.intents[intent]
            new = Intent(description=old.description, examples=[*old.examples, *raws])
            update = {"intents": {**self.skill.intents, intent: new}}
        self.skill = self.skill.model_copy(update=update)
        self._pending.setdefault(intent, []).extend(raws)
        return parsed

    def reload(self) -> Skill:
        """Read the skill again from its files (after editing the YAML); the validation split stays.

        Raises:
            ConfigError: the workbench was not opened from a path.
            SpecError: the edited files are invalid (the previous skill stays in use).
        """
        if self.path is None:
            raise ConfigError(
                "expected a workbench opened from a skill path; found one built from a Skill object. "
                "Fix: use Workbench.open(path) to be able to reload"
            )
        self.skill = load_skill(self.path)
        self._reloaded = True
        return self.skill

    # -- models ----------------------------------------------------------------------------
    @property
    def nlu(self) -> NLU:
        """The latest trained model.

        Raises:
            ConfigError: nothing has been trained yet.
        """
        return self._latest().nlu

    def _latest(self) -> Run:
        if not self.runs:
            raise ConfigError("expected a trained model; found none. Fix: call workbench.train() first")
        return self.runs[-1]

    @property
    def threshold(self) -> float:
        return self.nlu.meta.threshold

    def train(self) -> Run:
        """Train on the training set (early stopping and threshold calibration on validation)."""
        examples = self.training_set()
        nlu, summary = fit(
            examples,
            self.validation,
            config=self.config,
            language=self.skill.language,
            entities=self.skill.entities,
            learned=learned_entities(self.skill, [*examples, *self.validation]),
        )
        nlu.meta.skill_name = self.skill.name
        predictions = nlu.parse_batch([ex.text for ex in self.validation]) if self.validation else []
        report = (
            evaluate(self.validation, predictions, threshold=nlu.meta.threshold) if self.validation else None
        )
        run = Run(
            number=len(self.runs) + 1,
            nlu=nlu,
            summary=summary,
            predictions=predictions,
            report=report,
            added=dict(self._pending),
            reloaded=self._reloaded,
        )
        self.runs.append(run)
        self._pending = {}
        self._reloaded = False
        return run

    def parse(self, text: str) -> Parse:
        """Parse one utterance with the latest model."""
        return self.nlu.parse(text)

    @property
    def report(self) -> EvaluationReport:
        """The latest model's evaluation on the validation split.

        Raises:
            ConfigError: nothing trained yet, or the validation split is empty.
        """
        report = self._latest().report
        if report is None:
            raise ConfigError(
                "expected validation examples; found none (intents need at least 3 examples to be held "
                "out). Fix: add examples, or raise validation_fraction"
            )
        return report

    def retrain(self, *, probes: list[str] | None = None) -> Comparison:
        """Train again and compare the new predictions with the previous model's.

        Args:
            probes: extra utterances (without gold labels) to compare as well.

        Raises:
            ConfigError: there is no previous model to compare with.
        """
        previous = self._latest()
        probe_texts = list(probes or [])
        probes_before = previous.nlu.parse_batch(probe_texts) if probe_texts else []
        run = self.train()
        probes_after = run.nlu.parse_batch(probe_texts) if probe_texts else []
        return compare(
            self.validation,
            previous.predictions,
            run.predictions,
            probes_before=probes_before,
            probes_after=probes_after,
        )
