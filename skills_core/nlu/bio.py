"""BIO tag sets and BIO-constrained Viterbi decoding.

Decoding never produces ``I-x`` after anything but ``B-x`` or ``I-x``: the best *valid* tag
sequence under the tagger's per-token log-probabilities.
"""

from __future__ import annotations

import torch


def bio_labels(entities: list[str]) -> list[str]:
    """``["O", "B-a", "I-a", "B-b", ...]`` for the sorted entity names."""
    labels = ["O"]
    for name in sorted(set(entities)):
        labels += [f"B-{name}", f"I-{name}"]
    return labels


def allowed_transitions(labels: list[str]) -> torch.Tensor:
    """``[from, to]`` boolean matrix of valid BIO transitions."""
    n = len(labels)
    allowed = torch.ones((n, n), dtype=torch.bool)
    for j, to in enumerate(labels):
        if to.startswith("I-"):
            for i, frm in enumerate(labels):
                allowed[i, j] = frm in (f"B-{to[2:]}", to)
    return allowed


def start_allowed(labels: list[str]) -> torch.Tensor:
    return torch.tensor([not lab.startswith("I-") for lab in labels], dtype=torch.bool)


def viterbi(log_probs: torch.Tensor, allowed: torch.Tensor, start: torch.Tensor) -> list[int]:
    """Best valid path for one sequence ``[length, labels]``."""
    length, _ = log_probs.shape
    if length == 0:
        return []
    neg = torch.tensor(-1e9, dtype=log_probs.dtype)
    trans = torch.where(allowed, torch.zeros((), dtype=log_probs.dtype), neg)
    score = torch.where(start, log_probs[0], neg)
    back: list[torch.Tensor] = []
    for t in range(1, length):
        total = score.unsqueeze(1) + trans  # [from, to]
        best, idx = total.max(0)
        score = best + log_probs[t]
        back.append(idx)
    path = [int(score.argmax())]
    for idx in reversed(back):
        path.append(int(idx[path[-1]]))
    path.reverse()
    return path
