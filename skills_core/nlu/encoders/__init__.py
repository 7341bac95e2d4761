"""Text encoders: a pretrained Hugging Face model, or a character n-gram model trained from scratch.

Both return word-level states aligned to :func:`skills_core.nlu.tokenize.tokenize` tokens plus a
pooled sentence vector, so the heads and the span mapping never see word pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch

from skills_core.nlu.tokenize import Token


@dataclass
class EncoderOutput:
    """Word states ``[batch, words, dim]``, their mask ``[batch, words]`` and pooled ``[batch, dim]``."""

    words: torch.Tensor
    word_mask: torch.Tensor
    pooled: torch.Tensor


@runtime_checkable
class Encoder(Protocol):
    """What the joint model needs from an encoder."""

    dim: int

    def encode(self, texts: list[str], words: list[list[Token]]) -> EncoderOutput: ...

    def parameters(self, recurse: bool = True): ...


def pad_words(states: list[torch.Tensor], dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack variable-length ``[words, dim]`` tensors into a padded batch and a mask."""
    width = max([s.shape[0] for s in states] + [1])
    out = states[0].new_zeros((len(states), width, dim)) if states else torch.zeros((0, 1, dim))
    mask = torch.zeros((len(states), width), dtype=torch.bool)
    for i, s in enumerate(states):
        out[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = True
    return out, mask
