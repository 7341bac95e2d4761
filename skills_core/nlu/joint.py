"""The joint model: one encoder, an intent head on the pooled vector (+ sparse features) and a
BiLSTM + linear BIO tagger on the word states."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from skills_core.nlu.encoders import EncoderOutput


class JointHeads(nn.Module):
    """Intent and entity heads over an encoder's output."""

    def __init__(
        self,
        *,
        pooled_dim: int,
        word_dim: int,
        n_intents: int,
        n_tags: int,
        sparse_dim: int = 0,
        tag_hidden: int = 128,
        dropout: float = 0.1,
        normalize_pooled: bool = True,
    ) -> None:
        super().__init__()
        self.normalize_pooled = normalize_pooled
        self.dropout = nn.Dropout(dropout)
        self.intent = nn.Linear(pooled_dim, n_intents)
        self.sparse = nn.Linear(sparse_dim, n_intents, bias=False) if sparse_dim else None
        if self.sparse is not None:
            nn.init.zeros_(self.sparse.weight)
        # Without entity types (analysers, intent-only skills) there is no tagger to run.
        self.has_tagger = n_tags > 1
        if self.has_tagger:
            self.tag_lstm = nn.LSTM(word_dim, tag_hidden, batch_first=True, bidirectional=True)
            self.tag = nn.Linear(2 * tag_hidden + word_dim, n_tags)
        # Normalised sentence embeddings have tiny logits at init; a learned scale trains faster.
        self.scale = nn.Parameter(torch.tensor(10.0 if normalize_pooled else 1.0))

    def forward(
        self, enc: EncoderOutput, sparse: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = F.normalize(enc.pooled, dim=-1) * self.scale if self.normalize_pooled else enc.pooled
        logits = self.intent(self.dropout(pooled))
        if self.sparse is not None and sparse is not None:
            logits = logits + torch.sparse.mm(sparse, self.sparse.weight.t())
        if not self.has_tagger:
            return logits, enc.words.new_zeros((*enc.words.shape[:2], 1))
        words = self.dropout(enc.words)
        lengths = enc.word_mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(words, lengths, batch_first=True, enforce_sorted=False)
        ctx, _ = self.tag_lstm(packed)
        ctx, _ = nn.utils.rnn.pad_packed_sequence(ctx, batch_first=True, total_length=words.shape[1])
        tags = self.tag(torch.cat([ctx, words], dim=-1))
        return logits, tags
