"""Nearest training examples of an utterance, by cosine similarity of the model's encoder embeddings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from skills_core.nlu.model import NLU
from skills_core.nlu.tokenize import tokenize
from skills_core.spec.annotations import Example
from skills_core.workbench.views import Neighbour


def embed(nlu: NLU, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """L2-normalised pooled encoder embeddings ``[len(texts), dim]`` (the same features the heads see)."""
    chunks: list[np.ndarray] = []
    nlu.encoder.eval()
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            part = list(texts[i : i + batch_size])
            pooled = nlu.encoder.encode(part, [tokenize(t) for t in part]).pooled.float().cpu().numpy()
            chunks.append(pooled)
    if not chunks:
        return np.zeros((0, 0), dtype=np.float32)
    vectors = np.concatenate(chunks)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NearestExamples:
    """An index of training examples: embeds them once, answers nearest-neighbour queries."""

    def __init__(self, nlu: NLU, examples: Sequence[Example]) -> None:
        self.nlu = nlu
        self.examples = list(examples)
        self._vectors = embed(nlu, [ex.text for ex in self.examples])

    def query(self, texts: Sequence[str], *, k: int = 3) -> dict[str, list[Neighbour]]:
        """The ``k`` most similar training examples of each text (most similar first)."""
        if not texts or not self.examples:
            return {t: [] for t in texts}
        sims = embed(self.nlu, texts) @ self._vectors.T
        out: dict[str, list[Neighbour]] = {}
        for text, row in zip(texts, sims, strict=True):
            order = np.argsort(-row, kind="stable")[:k]
            out[text] = [
                Neighbour(self.examples[j].text, self.examples[j].intent, round(float(row[j]), 4))
                for j in order
            ]
        return out
