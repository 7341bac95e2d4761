"""A language-agnostic encoder trained from scratch on the skill's own data.

Each word token is the sum of hashed embeddings of its features: the lower-cased word, its
character n-grams (1-4, with boundary marks) and, for CJK characters, the bigrams with its
neighbours (the strongest cheap signal for Chinese). A BiLSTM adds context; the pooled vector is
the concatenation of max- and mean-pooling. No vocabulary file: features are hashed with CRC32,
so the model is fully described by its config and weights.
"""

from __future__ import annotations

import zlib

import torch
from torch import nn

from skills_core.nlu.encoders import EncoderOutput
from skills_core.nlu.tokenize import Token, has_cjk


def _hash(feature: str, buckets: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % buckets


def word_features(tokens: list[Token]) -> list[list[str]]:
    """The string features of each token (deterministic, no vocabulary)."""
    out: list[list[str]] = []
    for i, tok in enumerate(tokens):
        word = tok.text.lower()
        feats = [f"w:{word}"]
        if has_cjk(word):
            prev = tokens[i - 1].text if i > 0 else "<s>"
            nxt = tokens[i + 1].text if i + 1 < len(tokens) else "</s>"
            feats += [f"b:{prev}{word}", f"f:{word}{nxt}"]
        else:
            padded = f"<{word}>"
            for n in (1, 2, 3, 4):
                feats += [f"{n}:{padded[j : j + n]}" for j in range(max(len(padded) - n + 1, 0))]
            if word.isdigit():
                feats.append(f"shape:d{min(len(word), 6)}")
        out.append(feats)
    return out


class CharEncoder(nn.Module):
    """Hashed character n-gram embeddings + BiLSTM, trained with the heads."""

    def __init__(
        self, *, buckets: int = 2**17, dim: int = 128, hidden: int = 192, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.buckets = buckets
        # Sparse gradients: a step touches only the rows of the features in the batch, not the
        # whole table (dense AdamW over 2^17 x 128 made CAIS training 40 minutes on 2 cores).
        self.embed = nn.EmbeddingBag(buckets, dim, mode="mean", sparse=True)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
        self.dim = 2 * hidden
        self.pooled_dim = 4 * hidden
        nn.init.normal_(self.embed.weight, std=0.1)

    def config(self) -> dict[str, int]:
        return {
            "buckets": self.buckets,
            "dim": self.embed.embedding_dim,
            "hidden": self.lstm.hidden_size,
        }

    def encode(self, texts: list[str], words: list[list[Token]]) -> EncoderOutput:
        device = self.embed.weight.device
        ids: list[int] = []
        offsets: list[int] = []
        lengths = [max(len(w), 1) for w in words]
        for toks in words:
            feats = word_features(toks) if toks else [["w:<empty>"]]
            for f in feats:
                offsets.append(len(ids))
                ids.extend(_hash(x, self.buckets) for x in f)
        flat = self.embed(
            torch.tensor(ids, dtype=torch.long, device=device),
            torch.tensor(offsets, dtype=torch.long, device=device),
        )
        width = max(lengths)
        padded = flat.new_zeros((len(words), width, flat.shape[-1]))
        mask = torch.zeros((len(words), width), dtype=torch.bool, device=device)
        pos = 0
        for b, n in enumerate(lengths):
            padded[b, :n] = flat[pos : pos + n]
            mask[b, :n] = bool(words[b])
            pos += n
        packed = nn.utils.rnn.pack_padded_sequence(
            self.dropout(padded), torch.tensor(lengths), batch_first=True, enforce_sorted=False
        )
        states, _ = self.lstm(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=width)
        m = mask.unsqueeze(-1)
        masked_max = states.masked_fill(~m, -1e4).max(1).values
        mean = (states * m).sum(1) / m.sum(1).clamp(min=1)
        pooled = torch.cat([masked_max.clamp(min=-1e3), mean], dim=-1)
        return EncoderOutput(words=states * m, word_mask=mask, pooled=pooled)
