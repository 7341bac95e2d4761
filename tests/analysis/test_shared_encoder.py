"""A served model and its analysers share one frozen encoder (fast mode) instead of holding copies."""

from __future__ import annotations

import numpy as np

from skills_core.analysis.analysers import Analyser, train_analysers
from skills_core.nlu.train import config_for, train_nlu
from skills_core.runtime.device import share_encoder
from skills_core.spec.models import Skill

TEXTS = ["this is awful, I am so angry", "thanks a lot, great service", "what is my balance"]


def test_fast_mode_analysers_share_the_models_encoder(analysis_skill: Skill, sentiment: Analyser) -> None:
    nlu, _ = train_nlu(analysis_skill, config=config_for(analysis_skill, epochs=1, progress=False))
    before = sentiment.nlu.predict_proba(TEXTS)
    own = sentiment.nlu.encoder
    assert share_encoder(nlu, sentiment.nlu) is True
    assert sentiment.nlu.encoder is nlu.encoder and own is not nlu.encoder
    np.testing.assert_allclose(sentiment.nlu.predict_proba(TEXTS), before, atol=1e-5)


def test_trained_or_other_encoders_are_never_shared(analysis_skill: Skill) -> None:
    nlu, _ = train_nlu(analysis_skill, config=config_for(analysis_skill, epochs=1, progress=False))
    char = train_analysers(
        analysis_skill, config=config_for(analysis_skill, encoder="char", epochs=1, progress=False)
    )
    analyser = next(iter(char.values()))
    own = analyser.nlu.encoder
    assert share_encoder(nlu, analyser.nlu) is False and analyser.nlu.encoder is own
    nlu.meta.config = nlu.meta.config.model_copy(update={"mode": "finetune"})
    fast = train_analysers(analysis_skill, config=config_for(analysis_skill, epochs=1, progress=False))
    other = next(iter(fast.values()))
    assert share_encoder(nlu, other.nlu) is False  # a fine-tuned encoder is the model's own
