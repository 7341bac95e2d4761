"""BIO-constrained decoding and out-of-scope decisions (pure functions)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from skills_core.nlu.bio import allowed_transitions, bio_labels, start_allowed, viterbi
from skills_core.nlu.oos import calibrate_threshold, decide


def test_bio_labels_are_sorted_and_complete() -> None:
    assert bio_labels(["b", "a", "a"]) == ["O", "B-a", "I-a", "B-b", "I-b"]


def test_viterbi_never_starts_or_continues_an_entity_it_did_not_begin() -> None:
    labels = bio_labels(["x", "y"])  # O B-x I-x B-y I-y
    # the unconstrained argmax would be I-x, I-y, I-x: all invalid
    logp = torch.log_softmax(
        torch.tensor([[0.0, 1.0, 3.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 3.0], [0.0, 1.0, 3.0, 0.0, 0.0]]), -1
    )
    path = [labels[i] for i in viterbi(logp, allowed_transitions(labels), start_allowed(labels))]
    for prev, cur in zip(["O", *path], path, strict=False):
        if cur.startswith("I-"):
            assert prev in (f"B-{cur[2:]}", cur)
    assert path == ["B-y", "I-y", "B-x"]  # best valid path: 0 + 3 + 1 beats B-x B-y B-x (1 + 1 + 1)


def test_viterbi_of_empty_sequence() -> None:
    labels = bio_labels(["x"])
    assert viterbi(torch.zeros((0, 3)), allowed_transitions(labels), start_allowed(labels)) == []


INTENTS = ["a", "b", "out_of_scope"]


@pytest.mark.parametrize(
    ("probs", "threshold", "margin", "chosen", "reason"),
    [
        ([0.8, 0.1, 0.1], 0.5, 0.0, 0, None),
        ([0.1, 0.1, 0.8], 0.5, 0.0, None, "out_of_scope"),
        ([0.4, 0.35, 0.25], 0.5, 0.0, None, "low_confidence"),
        ([0.5, 0.45, 0.05], 0.3, 0.1, None, "ambiguous"),
        ([0.5, 0.45, 0.05], 0.3, 0.0, 0, None),
    ],
)
def test_decide(probs, threshold, margin, chosen, reason) -> None:
    got, fallback = decide(np.array(probs), INTENTS, oos_index=2, threshold=threshold, margin=margin)
    assert got == chosen
    assert (fallback.reason if fallback else None) == reason
    if fallback:
        assert fallback.candidate == "a"
        assert fallback.detail


def test_calibration_with_oos_examples_separates_the_populations() -> None:
    probs = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.45, 0.3, 0.25], [0.4, 0.35, 0.25]])
    gold = [0, 0, 2, 2]  # two in-scope (confident), two OOS predicted in-scope with low confidence
    t = calibrate_threshold(probs, gold, oos_index=2, keep_in_scope=0.98)
    assert 0.45 < t <= 0.8


def test_in_scope_calibration_ignores_oos_examples_and_keeps_correct_answers() -> None:
    probs = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.45, 0.3, 0.25], [0.4, 0.35, 0.25]])
    gold = [0, 0, 2, 2]
    balanced = calibrate_threshold(probs, gold, oos_index=2, keep_in_scope=0.98)
    in_scope = calibrate_threshold(probs, gold, oos_index=2, keep_in_scope=0.98, objective="in_scope")
    assert in_scope < balanced  # it rejects less: only the least confident 2% of correct answers go
    assert (probs[:2, 0] >= in_scope).all()


def test_calibration_without_oos_keeps_most_correct_predictions_and_is_capped() -> None:
    rng = np.random.default_rng(0)
    top = rng.uniform(0.6, 1.0, size=200)
    probs = np.stack([top, 1 - top], 1)
    t = calibrate_threshold(probs, [0] * 200, oos_index=None, keep_in_scope=0.98)
    assert (top >= t).mean() >= 0.98
    assert t <= 0.5
    assert calibrate_threshold(np.zeros((0, 2)), [], oos_index=None, keep_in_scope=0.9) == 0.0
