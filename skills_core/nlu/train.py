"""Training: stratified validation split, head warm-up, optional full fine-tune, early stopping,
threshold calibration. Seeded and deterministic on CPU."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from skills_core.errors import ConfigError
from skills_core.nlu.bio import bio_labels
from skills_core.nlu.config import NLUConfig
from skills_core.nlu.encoders import EncoderOutput, pad_words
from skills_core.nlu.encoders.char import CharEncoder
from skills_core.nlu.encoders.hf import HFEncoder
from skills_core.nlu.model import NLU, NLUMeta, build_encoder, build_heads, resolve_device, script_of
from skills_core.nlu.oos import calibrate_threshold
from skills_core.nlu.sparse import SparseFeaturizer, to_torch
from skills_core.nlu.tokenize import Token, bio_to_spans, spans_to_bio, tokenize
from skills_core.spec.annotations import Example
from skills_core.spec.dataset import learned_entities, training_examples
from skills_core.spec.models import EntityDef, Skill

logger = logging.getLogger(__name__)

MIN_STEPS_PER_EPOCH = 8
"""Tiny skills repeat their data within an epoch so that early stopping sees real progress."""
MIN_EPOCHS = 6
"""Early stopping never ends a run before this many epochs (small validation sets are noisy)."""


@dataclass
class TrainingSummary:
    """What happened during training, for the CLI, notebooks and the artifact."""

    mode: str
    encoder: str
    examples: int
    validation_examples: int
    intents: int
    entity_types: int
    epochs_run: int
    best_epoch: int
    seconds: float
    threshold: float
    validation: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def skill_hash(skill: Skill) -> str:
    """Hash of everything in the skill that changes what the NLU learns."""
    nlu_part = {
        "language": skill.language,
        "intents": {k: v.examples for k, v in skill.intents.items()},
        "out_of_scope": skill.out_of_scope.examples,
        "entities": {k: v.model_dump() for k, v in skill.entities.items()},
        "nlu": skill.nlu,
    }
    return hashlib.sha256(json.dumps(nlu_part, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def config_for(skill: Skill, **overrides: Any) -> NLUConfig:
    """The skill's ``nlu:`` settings with ``overrides`` on top (None values ignored)."""
    data = {**skill.nlu, **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return NLUConfig.model_validate(data)
    except ValueError as e:
        raise ConfigError(f"expected valid NLU settings (skill 'nlu:' key or options); {e}") from e


def train_nlu(skill: Skill, *, config: NLUConfig | None = None) -> tuple[NLU, TrainingSummary]:
    """Train the NLU for ``skill`` (its ``nlu:`` settings unless ``config`` is given)."""
    cfg = config or config_for(skill)
    examples = training_examples(skill)
    learned = learned_entities(skill)
    train, val = split_examples(examples, fraction=cfg.validation_fraction, seed=cfg.seed)
    nlu, summary = fit(
        train,
        val,
        config=cfg,
        language=skill.language,
        entities=skill.entities,
        learned=learned,
    )
    nlu.meta.skill_name = skill.name
    nlu.meta.skill_hash = skill_hash(skill)
    nlu.meta.version = f"{skill.name}-{nlu.meta.skill_hash[:8]}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    return nlu, summary


def split_examples(
    examples: Sequence[Example], *, fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Stratified hold-out: ``fraction`` of each intent with at least 3 examples (at least one)."""
    if fraction <= 0:
        return list(examples), []
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_intent[ex.intent].append(ex)
    rng = random.Random(seed)
    train: list[Example] = []
    val: list[Example] = []
    for intent in sorted(by_intent):
        items = list(by_intent[intent])
        rng.shuffle(items)
        k = max(1, round(len(items) * fraction)) if len(items) >= 3 else 0
        val += items[:k]
        train += items[k:]
    return train, val


def _seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@dataclass
class _Batch:
    texts: list[str]
    words: list[list[Token]]
    intents: torch.Tensor
    tags: torch.Tensor  # [B, W], -100 = ignore


def _encode_labels(
    examples: Sequence[Example], intents: list[str], tags: list[str], entity_names: set[str]
) -> tuple[list[list[Token]], list[int], list[list[int]]]:
    index = {t: i for i, t in enumerate(tags)}
    intent_index = {t: i for i, t in enumerate(intents)}
    words_all, y_int, y_tag = [], [], []
    for ex in examples:
        words = tokenize(ex.text)
        spans = [(s.start, s.end, s.entity) for s in ex.spans if s.entity in entity_names]
        words_all.append(words)
        y_int.append(intent_index[ex.intent])
        y_tag.append([index[t] for t in spans_to_bio(words, spans)])
    return words_all, y_int, y_tag


def fit(
    train: Sequence[Example],
    val: Sequence[Example],
    *,
    config: NLUConfig,
    language: str,
    entities: dict[str, EntityDef] | None = None,
    learned: Sequence[str] | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> tuple[NLU, TrainingSummary]:
    """Train on ``train``, stop early and calibrate on ``val``. The building block under ``train_nlu``."""
    if not train:
        raise ConfigError("expected training examples; found none. Fix: add examples to the skill's intents")
    started = time.perf_counter()
    gen = _seed_everything(config.seed)
    device = resolve_device(config.device)
    intents = sorted({ex.intent for ex in train} | {ex.intent for ex in val})
    names = set(learned) if learned is not None else {s.entity for ex in train for s in ex.spans}
    tags = bio_labels(sorted(names))
    script = script_of([ex.text for ex in train])
    meta = NLUMeta(
        config=config,
        language=language,
        intents=intents,
        tags=tags,
        threshold=0.0,
        entities=dict(entities or {}),
        script=script,
    )
    encoder = build_encoder(config, language=language).to(device)
    sparse = (
        SparseFeaturizer(script=script).fit([ex.text for ex in train]) if config.sparse_features else None
    )
    heads = build_heads(meta, encoder, sparse_dim=sparse.size if sparse else 0).to(device)
    nlu = NLU(meta=meta, encoder=encoder, heads=heads, sparse=sparse, device=device)

    tr = _encode_labels(train, intents, tags, names)
    va = _encode_labels(val, intents, tags, names)
    trainer = _Trainer(nlu, config=config, gen=gen, train=(train, *tr), val=(val, *va), on_epoch=on_epoch)
    frozen = isinstance(encoder, HFEncoder)
    if frozen:
        trainer.run(
            epochs=config.resolved_epochs() if config.mode == "fast" else min(10, config.resolved_epochs()),
            train_encoder=False,
            label="heads",
        )
    if config.mode == "finetune" or isinstance(encoder, CharEncoder):
        epochs = config.resolved_epochs()
        trainer.run(epochs=epochs, train_encoder=True, label="finetune" if frozen else "train")
    trainer.restore_best()

    probs = nlu.predict_proba([ex.text for ex in val]) if val else np.zeros((0, len(intents)))
    oos_index = intents.index("out_of_scope") if "out_of_scope" in intents else None
    if config.oos_threshold == "auto":
        meta.threshold = calibrate_threshold(
            probs,
            va[1],
            oos_index=oos_index,
            keep_in_scope=config.oos_keep_in_scope,
            objective=config.oos_calibration,
        )
    else:
        meta.threshold = float(config.oos_threshold)
    summary = TrainingSummary(
        mode=config.mode,
        encoder=config.resolved_encoder(language),
        examples=len(train),
        validation_examples=len(val),
        intents=len([i for i in intents if i != "out_of_scope"]),
        entity_types=len(names),
        epochs_run=len(trainer.history),
        best_epoch=trainer.best_epoch,
        seconds=round(time.perf_counter() - started, 2),
        threshold=meta.threshold,
        validation=trainer.best_scores,
        history=trainer.history,
    )
    meta.metrics = {"training": summary.to_dict()}
    return nlu, summary


class _Trainer:
    def __init__(
        self,
        nlu: NLU,
        *,
        config: NLUConfig,
        gen: torch.Generator,
        train: tuple[Sequence[Example], list[list[Token]], list[int], list[list[int]]],
        val: tuple[Sequence[Example], list[list[Token]], list[int], list[list[int]]],
        on_epoch: Callable[[dict[str, float]], None] | None,
    ) -> None:
        self.nlu = nlu
        self.cfg = config
        self.gen = gen
        self.train = train
        self.val = val
        self.on_epoch = on_epoch
        self.history: list[dict[str, float]] = []
        self.best_score = -math.inf
        self.best_loss = math.inf
        self.best_epoch = 0
        self.best_scores: dict[str, float] = {}
        self.best_state: dict[str, Any] | None = None
        self.deadline = time.perf_counter() + config.max_train_time_s if config.max_train_time_s else None
        self._cache: dict[int, tuple[torch.Tensor, torch.Tensor]] | None = None
        self._sparse: dict[str, sp.csr_matrix] = {}

    # frozen encoders: embed every utterance once, then train heads on cached states
    def _cached(self, texts: list[str], words: list[list[Token]], ids: list[int]) -> EncoderOutput:
        assert self._cache is not None
        missing = [i for i in ids if i not in self._cache]
        if missing:
            raise RuntimeError("feature cache miss")
        pooled = torch.stack([self._cache[i][0] for i in ids])
        states, mask = pad_words([self._cache[i][1] for i in ids], self.nlu.encoder.dim)
        return EncoderOutput(words=states.to(pooled.device), word_mask=mask.to(pooled.device), pooled=pooled)

    @torch.inference_mode()
    def _fill_cache(self) -> None:
        self._cache = {}
        enc = self.nlu.encoder
        enc.eval()
        for offset, (exs, words) in ((0, self.train[:2]), (1_000_000_000, self.val[:2])):
            for i in range(0, len(exs), 64):
                chunk = [ex.text for ex in exs[i : i + 64]]
                out = enc.encode(chunk, words[i : i + 64])
                for j in range(len(chunk)):
                    n = len(words[i + j])
                    self._cache[offset + i + j] = (out.pooled[j].clone(), out.words[j, :n].clone())

    def _batches(self, n: int, shuffle: bool) -> list[list[int]]:
        bs = self.cfg.batch_size
        if not shuffle:
            return [list(range(i, min(i + bs, n))) for i in range(0, n, bs)]
        # Small skills: repeat the shuffled data so an epoch has enough optimizer steps to learn.
        order: list[int] = []
        while len(order) < max(n, MIN_STEPS_PER_EPOCH * bs) and n:
            order += torch.randperm(n, generator=self.gen).tolist()
        return [order[i : i + bs] for i in range(0, len(order), bs)]

    def _step_outputs(
        self, split: str, ids: list[int], train_encoder: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        exs, words, _, _ = self.train if split == "train" else self.val
        texts = [exs[i].text for i in ids]
        w = [words[i] for i in ids]
        if train_encoder:
            enc = self.nlu.encoder.encode(texts, w)
        else:
            offset = 0 if split == "train" else 1_000_000_000
            enc = self._cached(texts, w, [offset + i for i in ids])
        sparse = None
        if self.nlu.sparse is not None:
            if split not in self._sparse:
                self._sparse[split] = self.nlu.sparse.transform_csr([ex.text for ex in exs])
            sparse = to_torch(self._sparse[split][ids]).to(self.nlu.device)
        return self.nlu.heads(enc, sparse)

    def _targets(self, split: str, ids: list[int], width: int) -> tuple[torch.Tensor, torch.Tensor]:
        _, _, y_int, y_tag = self.train if split == "train" else self.val
        intents = torch.tensor([y_int[i] for i in ids], device=self.nlu.device)
        tags = torch.full((len(ids), width), -100, dtype=torch.long)
        for b, i in enumerate(ids):
            seq = y_tag[i][:width]
            tags[b, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        return intents, tags.to(self.nlu.device)

    def _optimizer(self, train_encoder: bool, steps: int) -> _Optimizers:
        groups: list[dict[str, Any]] = [{"params": list(self.nlu.heads.parameters()), "lr": self.cfg.head_lr}]
        sparse: list[torch.optim.Optimizer] = []
        enc = self.nlu.encoder
        if train_encoder and isinstance(enc, CharEncoder):
            dense = [p for name, p in enc.named_parameters() if not name.startswith("embed.")]
            groups.append({"params": dense, "lr": self.cfg.head_lr})
            sparse.append(torch.optim.SparseAdam(list(enc.embed.parameters()), lr=self.cfg.head_lr))
        elif train_encoder and isinstance(enc, HFEncoder):
            groups[0]["lr"] = self.cfg.head_lr / 4
            groups += _layerwise_groups(enc, self.cfg.encoder_lr, self.cfg.layer_decay)
        opt = torch.optim.AdamW(groups, weight_decay=self.cfg.weight_decay)
        warmup = max(1, int(0.06 * steps)) if train_encoder and isinstance(enc, HFEncoder) else 0

        def schedule(step: int) -> float:
            if warmup and step < warmup:
                return (step + 1) / warmup
            if warmup:
                return max(0.0, (steps - step) / max(1, steps - warmup))
            return 1.0

        return _Optimizers(
            dense=opt, sparse=sparse, schedule=torch.optim.lr_scheduler.LambdaLR(opt, schedule)
        )

    def run(self, *, epochs: int, train_encoder: bool, label: str) -> None:
        enc = self.nlu.encoder
        for p in enc.parameters():
            p.requires_grad_(train_encoder)
        if not train_encoder and self._cache is None:
            self._fill_cache()
        # Heads and the char encoder are small matrices: extra threads only add synchronisation
        # (measured on 2 busy cores: 1 thread trained the bank skill in 19 s, 2 threads in 86 s).
        small = not (train_encoder and isinstance(enc, HFEncoder))
        with torch_threads(1 if small else None):
            self._run(epochs=epochs, train_encoder=train_encoder, label=label)

    def _run(self, *, epochs: int, train_encoder: bool, label: str) -> None:
        enc = self.nlu.encoder
        n = len(self.train[0])
        steps = epochs * max(math.ceil(n / self.cfg.batch_size), MIN_STEPS_PER_EPOCH)
        opt = self._optimizer(train_encoder, steps)
        stale = 0
        bar = tqdm(total=steps, desc=f"training ({label})", disable=not self.cfg.progress, leave=False)
        for epoch in range(epochs):
            self.nlu.heads.train()
            enc.train(train_encoder)
            total = 0.0
            for ids in self._batches(n, shuffle=True):
                intent_logits, tag_logits = self._step_outputs("train", ids, train_encoder)
                y_int, y_tag = self._targets("train", ids, tag_logits.shape[1])
                loss = F.cross_entropy(intent_logits, y_int, label_smoothing=self.cfg.label_smoothing)
                if tag_logits.shape[-1] > 1:
                    loss = loss + F.cross_entropy(
                        tag_logits.reshape(-1, tag_logits.shape[-1]), y_tag.reshape(-1)
                    )
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item()
                bar.update(1)
            scores = self.evaluate(train_encoder)
            record = {"epoch": float(len(self.history) + 1), "train_loss": total / max(1, n), **scores}
            self.history.append(record)
            bar.set_postfix({k: round(v, 4) for k, v in scores.items()})
            if self.on_epoch:
                self.on_epoch(record)
            better = scores["score"] > self.best_score + 1e-6 or (
                scores["score"] > self.best_score - 1e-6 and scores["loss"] < self.best_loss - 1e-4
            )
            if better:
                self.best_score, self.best_loss = scores["score"], scores["loss"]
                self.best_epoch, self.best_scores, stale = len(self.history), scores, 0
                self._snapshot()
            else:
                stale += 1
            if self.deadline and time.perf_counter() > self.deadline:
                break
            if stale >= self.cfg.patience and epoch + 1 >= MIN_EPOCHS:
                break
        bar.close()

    @torch.no_grad()
    def evaluate(self, train_encoder: bool) -> dict[str, float]:
        exs, words, y_int, y_tag = self.val if self.val[0] else self.train
        split = "val" if self.val[0] else "train"
        self.nlu.heads.eval()
        self.nlu.encoder.eval()
        correct = 0
        loss = 0.0
        tp = fp = fn = 0
        for ids in self._batches(len(exs), shuffle=False):
            intent_logits, tag_logits = self._step_outputs(split, ids, train_encoder)
            gold_int = torch.tensor([y_int[i] for i in ids])
            correct += int((intent_logits.argmax(-1).cpu() == gold_int).sum())
            loss += F.cross_entropy(intent_logits.cpu(), gold_int, reduction="sum").item()
            if tag_logits.shape[-1] > 1:
                pred = tag_logits.argmax(-1).cpu()
                for b, i in enumerate(ids):
                    n = min(len(words[i]), pred.shape[1])
                    tags = self.nlu.meta.tags
                    gold = set(bio_to_spans(words[i][:n], [tags[t] for t in y_tag[i][:n]]))
                    got = set(bio_to_spans(words[i][:n], [tags[t] for t in pred[b, :n].tolist()]))
                    tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
        acc = correct / max(1, len(exs))
        f1 = 2 * tp / max(1, 2 * tp + fp + fn) if (tp + fp + fn) else 1.0
        has_tags = len(self.nlu.meta.tags) > 1
        return {
            "intent_accuracy": acc,
            "entity_f1": f1,
            "score": (acc + f1) / 2 if has_tags else acc,
            "loss": loss / max(1, len(exs)),
        }

    def _snapshot(self) -> None:
        self.best_state = {
            "heads": copy.deepcopy(self.nlu.heads.state_dict()),
            "encoder": copy.deepcopy(self.nlu.encoder.state_dict())
            if any(p.requires_grad for p in self.nlu.encoder.parameters())
            else None,
        }

    def restore_best(self) -> None:
        if self.best_state is None:
            return
        self.nlu.heads.load_state_dict(self.best_state["heads"])
        if self.best_state["encoder"] is not None:
            self.nlu.encoder.load_state_dict(self.best_state["encoder"])
        for p in self.nlu.encoder.parameters():
            p.requires_grad_(False)


@dataclass
class _Optimizers:
    """AdamW over the dense parameters (clipped, scheduled) and SparseAdam over hashed embeddings."""

    dense: torch.optim.Optimizer
    sparse: list[torch.optim.Optimizer]
    schedule: Any

    def zero_grad(self) -> None:
        for opt in (self.dense, *self.sparse):
            opt.zero_grad()

    def step(self) -> None:
        nn.utils.clip_grad_norm_([p for g in self.dense.param_groups for p in g["params"]], 1.0)
        for opt in (self.dense, *self.sparse):
            opt.step()
        self.schedule.step()


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run a block with ``count`` intra-op threads (None: unchanged), restoring the previous value."""
    previous = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _layerwise_groups(enc: HFEncoder, lr: float, decay: float) -> list[dict[str, Any]]:
    """Top layers learn fastest; embeddings slowest (layer-wise learning-rate decay)."""
    n_layers = int(getattr(enc.model.config, "num_hidden_layers", 12))
    groups: dict[int, list[nn.Parameter]] = defaultdict(list)
    for name, param in enc.model.named_parameters():
        depth = n_layers  # pooler and anything above the layers
        if "embeddings" in name:
            depth = 0
        else:
            for part in name.split("."):
                if part.isdigit():
                    depth = int(part) + 1
                    break
        groups[depth].append(param)
    return [
        {"params": params, "lr": lr * decay ** (n_layers - depth)} for depth, params in sorted(groups.items())
    ]
