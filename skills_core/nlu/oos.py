"""Out-of-scope decisions: an explicit class, a calibrated confidence threshold and a margin."""

from __future__ import annotations

import numpy as np

from skills_core.spec.types import Fallback


def calibrate_threshold(
    probs: np.ndarray,
    gold: list[int],
    *,
    oos_index: int | None,
    keep_in_scope: float,
    objective: str = "balanced",
) -> float:
    """Pick the in-scope confidence threshold on held-out data.

    With out-of-scope examples in ``gold`` and the ``balanced`` objective: the threshold that
    maximises in-scope accuracy plus out-of-scope recall (Youden's J on the two populations).
    Otherwise: the threshold that keeps ``keep_in_scope`` of the correctly classified in-scope
    utterances (capped at 0.5 so a tiny validation set cannot make the model refuse everything).
    """
    if len(gold) == 0:
        return 0.0
    in_scope = _in_scope_probs(probs, oos_index)
    top = in_scope.max(1)
    pred = probs.argmax(1)
    gold_arr = np.asarray(gold)
    is_oos = gold_arr == oos_index if oos_index is not None else np.zeros(len(gold), dtype=bool)
    if objective == "balanced" and is_oos.any() and (~is_oos).any():
        best_t, best_j = 0.0, -1.0
        for t in np.unique(np.concatenate([[0.0], top])):
            keep = top >= t
            in_ok = ((pred == gold_arr) & keep & ~is_oos).sum() / (~is_oos).sum()
            oos_ok = (((pred == oos_index) | ~keep) & is_oos).sum() / is_oos.sum()
            j = in_ok + oos_ok
            if j > best_j + 1e-12:
                best_t, best_j = float(t), float(j)
        return round(best_t, 6)
    correct = top[(pred == gold_arr) & ~is_oos]
    if correct.size == 0:
        return 0.0
    return round(float(min(np.quantile(correct, 1.0 - keep_in_scope), 0.5)), 6)


def _in_scope_probs(probs: np.ndarray, oos_index: int | None) -> np.ndarray:
    if oos_index is None:
        return probs
    masked = probs.copy()
    masked[:, oos_index] = -1.0
    return masked


def decide(
    probs: np.ndarray,
    intents: list[str],
    *,
    oos_index: int | None,
    threshold: float,
    margin: float,
) -> tuple[int | None, Fallback | None]:
    """For one utterance: the chosen intent index (None = out-of-scope) and why it fell back."""
    order = np.argsort(-probs, kind="stable")
    best = int(order[0])
    in_scope = [int(i) for i in order if i != oos_index]
    candidate = in_scope[0] if in_scope else None
    cand_name = intents[candidate] if candidate is not None else None
    if oos_index is not None and best == oos_index:
        return None, Fallback(
            reason="out_of_scope",
            detail=f"classified as out-of-scope (p={probs[best]:.3f})",
            candidate=cand_name,
        )
    if candidate is None:
        return None, Fallback(reason="out_of_scope", detail="no in-scope intent", candidate=None)
    top = float(probs[candidate])
    if top < threshold:
        return None, Fallback(
            reason="low_confidence",
            detail=f"top intent {cand_name!r} at {top:.3f} is below the threshold {threshold:.3f}",
            candidate=cand_name,
        )
    if margin > 0 and len(in_scope) > 1:
        second = float(probs[in_scope[1]])
        if top - second < margin:
            return None, Fallback(
                reason="ambiguous",
                detail=f"{cand_name!r} ({top:.3f}) and {intents[in_scope[1]]!r} ({second:.3f}) are closer "
                f"than the margin {margin:.3f}",
                candidate=cand_name,
            )
    return candidate, None
