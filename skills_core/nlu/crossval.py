"""k-fold cross-validation of a skill's NLU (what ``skills evaluate`` and the workbench run)."""

from __future__ import annotations

from skills_core.nlu.config import NLUConfig
from skills_core.nlu.evaluate import CrossValidationReport, Predictor, cross_validate
from skills_core.nlu.train import fit, split_examples
from skills_core.spec.annotations import Example
from skills_core.spec.dataset import learned_entities, training_examples
from skills_core.spec.models import Skill


def cross_validate_skill(skill: Skill, *, config: NLUConfig, folds: int = 5) -> CrossValidationReport:
    """Stratified k-fold cross-validation; each fold trains like ``train_nlu`` (split, early stopping)."""
    learned = learned_entities(skill)

    def trainer(examples: list[Example]) -> Predictor:
        train_part, val_part = split_examples(examples, fraction=config.validation_fraction, seed=config.seed)
        nlu, _ = fit(
            train_part,
            val_part,
            config=config,
            language=skill.language,
            entities=skill.entities,
            learned=learned,
        )
        return nlu.parse_batch

    return cross_validate(training_examples(skill), train=trainer, folds=folds, seed=config.seed)
