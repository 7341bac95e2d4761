"""TF-IDF word and character n-gram features for the intent head (the "sparse" half of DIET).

Cheap, strong on short texts and on Chinese, and complementary to dense sentence embeddings.
Saved as a JSON vocabulary plus IDF weights in safetensors, never pickled.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from safetensors.numpy import load_file, save_file
from sklearn.feature_extraction.text import TfidfVectorizer

from skills_core.errors import ArtifactError

_ANALYZERS = {
    # name: (analyzer, ngram_range) - latin scripts
    "latin": [("word", (1, 2)), ("char_wb", (2, 5))],
    # CJK: characters carry the meaning, no word boundaries
    "cjk": [("char", (1, 3))],
}


class SparseFeaturizer:
    """Fit on training texts, then map texts to a sparse ``[batch, features]`` torch tensor."""

    def __init__(self, *, script: str = "latin", max_features: int = 60_000) -> None:
        self.script = script
        self.max_features = max_features
        self._vectorizers: list[TfidfVectorizer] = []

    @property
    def size(self) -> int:
        return sum(len(v.vocabulary_) for v in self._vectorizers)

    def _make(
        self, analyzer: str, ngram: tuple[int, int], vocabulary: dict[str, int] | None
    ) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=ngram,
            lowercase=True,
            sublinear_tf=True,
            min_df=1,
            max_features=None if vocabulary is not None else self.max_features,
            vocabulary=vocabulary,
            dtype=np.float32,
        )

    def fit(self, texts: list[str]) -> SparseFeaturizer:
        self._vectorizers = []
        for analyzer, ngram in _ANALYZERS[self.script]:
            vec = self._make(analyzer, ngram, None)
            vec.fit(texts)
            self._vectorizers.append(vec)
        return self

    def transform_csr(self, texts: list[str]) -> sp.csr_matrix:
        """The features as a scipy CSR matrix (cache it when the same texts come back every epoch)."""
        return sp.hstack([v.transform(texts) for v in self._vectorizers]).tocsr()

    def transform(self, texts: list[str]) -> torch.Tensor:
        return to_torch(self.transform_csr(texts))

    def save(self, directory: Path) -> None:
        meta = {
            "script": self.script,
            "max_features": self.max_features,
            "vocabularies": [
                {
                    "analyzer": v.analyzer,
                    "ngram_range": list(v.ngram_range),
                    "vocabulary": {k: int(i) for k, i in v.vocabulary_.items()},
                }
                for v in self._vectorizers
            ],
        }
        (directory / "sparse.json").write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True))
        idfs = {f"idf_{i}": v.idf_.astype(np.float32) for i, v in enumerate(self._vectorizers)}
        save_file(idfs, str(directory / "sparse_idf.safetensors"))

    @classmethod
    def load(cls, directory: Path) -> SparseFeaturizer:
        try:
            meta = json.loads((directory / "sparse.json").read_text())
            idfs = load_file(str(directory / "sparse_idf.safetensors"))
        except (OSError, ValueError) as e:
            raise ArtifactError(
                f"expected sparse.json and sparse_idf.safetensors in {directory}; could not read them ({e}). "
                "Fix: retrain the model (skills train)"
            ) from e
        out = cls(script=meta["script"], max_features=meta["max_features"])
        for i, entry in enumerate(meta["vocabularies"]):
            vocab = {k: int(v) for k, v in entry["vocabulary"].items()}
            vec = out._make(entry["analyzer"], tuple(entry["ngram_range"]), vocab)
            vec.fit(["x"])  # builds the internal transformer; idf is replaced below
            idf = idfs[f"idf_{i}"]
            if idf.shape[0] != len(vocab):
                raise ArtifactError(
                    f"expected {len(vocab)} IDF weights for vocabulary {i} in {directory}; found {idf.shape[0]}. "
                    "Fix: the artifact is corrupt or mixed from two models - retrain it"
                )
            vec.idf_ = idf.astype(np.float64)
            out._vectorizers.append(vec)
        return out


def to_torch(matrix: sp.spmatrix) -> torch.Tensor:
    """A scipy sparse matrix as a coalesced torch COO tensor."""
    coo = matrix.tocoo()
    indices = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    return torch.sparse_coo_tensor(
        indices, torch.from_numpy(coo.data.astype(np.float32)), coo.shape, check_invariants=False
    ).coalesce()
