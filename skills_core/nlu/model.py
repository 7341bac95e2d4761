"""The trained NLU: text in, :class:`~skills_core.spec.types.Parse` out; saved as a directory.

Artifact layout (no pickle anywhere)::

    nlu.json               format version, config, labels, threshold, skill hash, entity defs, metrics
    heads.safetensors      intent/tagger heads (and the from-scratch encoder, when used)
    sparse.json            TF-IDF vocabularies          (when sparse features are on)
    sparse_idf.safetensors TF-IDF weights
    encoder/               Hugging Face encoder (fine-tuned, or copied when not the packaged default)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from skills_core.errors import ArtifactError
from skills_core.nlu.bio import allowed_transitions, start_allowed, viterbi
from skills_core.nlu.config import DEFAULT_ENCODER, NLUConfig
from skills_core.nlu.encoders import EncoderOutput
from skills_core.nlu.encoders.char import CharEncoder
from skills_core.nlu.encoders.hf import HFEncoder, resolve_encoder_path
from skills_core.nlu.joint import JointHeads
from skills_core.nlu.merge import merge_entities
from skills_core.nlu.oos import decide
from skills_core.nlu.rules import RuleExtractor
from skills_core.nlu.sparse import SparseFeaturizer
from skills_core.nlu.tokenize import Token, bio_to_spans, has_cjk, tokenize
from skills_core.spec.models import EntityDef
from skills_core.spec.types import OUT_OF_SCOPE, Entity, IntentScore, Parse

FORMAT = "skills-nlu/1"
RANKING_SIZE = 10


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


@dataclass
class NLUMeta:
    """What besides weights defines a trained NLU (serialised to nlu.json)."""

    config: NLUConfig
    language: str
    intents: list[str]
    tags: list[str]
    threshold: float
    entities: dict[str, EntityDef] = field(default_factory=dict)
    skill_name: str = ""
    skill_hash: str = ""
    script: str = "latin"
    encoder_dims: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    version: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "config": self.config.model_dump(),
            "language": self.language,
            "intents": self.intents,
            "tags": self.tags,
            "threshold": self.threshold,
            "entities": {k: v.model_dump() for k, v in self.entities.items()},
            "skill_name": self.skill_name,
            "skill_hash": self.skill_hash,
            "script": self.script,
            "encoder_dims": self.encoder_dims,
            "metrics": self.metrics,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], where: Path) -> NLUMeta:
        if data.get("format") != FORMAT:
            raise ArtifactError(
                f"expected an NLU artifact of format {FORMAT!r} in {where}; found {data.get('format')!r}. "
                "Fix: retrain the model with this version of skills (skills train)"
            )
        try:
            return cls(
                config=NLUConfig.model_validate(data["config"]),
                language=data["language"],
                intents=list(data["intents"]),
                tags=list(data["tags"]),
                threshold=float(data["threshold"]),
                entities={k: EntityDef.model_validate(v) for k, v in data["entities"].items()},
                skill_name=data.get("skill_name", ""),
                skill_hash=data.get("skill_hash", ""),
                script=data.get("script", "latin"),
                encoder_dims=dict(data.get("encoder_dims", {})),
                metrics=dict(data.get("metrics", {})),
                version=data.get("version", ""),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ArtifactError(
                f"expected a complete nlu.json in {where}; it is damaged ({e}). Fix: retrain"
            ) from e


def script_of(texts: list[str]) -> str:
    cjk = sum(has_cjk(t) for t in texts)
    return "cjk" if texts and cjk / len(texts) > 0.3 else "latin"


class NLU:
    """A trained intent + out-of-scope + entity model with its rules. Use ``train_nlu`` or ``NLU.load``."""

    def __init__(
        self,
        *,
        meta: NLUMeta,
        encoder: HFEncoder | CharEncoder,
        heads: JointHeads,
        sparse: SparseFeaturizer | None,
        device: torch.device | None = None,
    ) -> None:
        self.meta = meta
        self.encoder = encoder
        self.heads = heads
        self.sparse = sparse
        self.device = device or torch.device("cpu")
        self.rules = RuleExtractor(
            meta.entities, language=meta.language, skill_name=meta.skill_name or "skill"
        )
        self._oos_index = meta.intents.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in meta.intents else None
        self._allowed = allowed_transitions(meta.tags)
        self._start = start_allowed(meta.tags)
        # the entities the tagger can label (merge: its choice beats rule proposals for the others)
        self._trained = frozenset(tag[2:] for tag in meta.tags if tag.startswith("B-"))
        self._typed = frozenset(name for name, d in meta.entities.items() if d.type != "text")

    # -- inference -------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.meta.version

    @property
    def intents(self) -> list[str]:
        return [i for i in self.meta.intents if i != OUT_OF_SCOPE]

    def forward(
        self, texts: list[str], words: list[list[Token]]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Intent logits, tag logits and the word mask for a batch."""
        enc: EncoderOutput = self.encoder.encode(texts, words)
        sparse = self.sparse.transform(texts).to(self.device) if self.sparse is not None else None
        intent_logits, tag_logits = self.heads(enc, sparse)
        return intent_logits, tag_logits, enc.word_mask

    @torch.inference_mode()
    def predict_proba(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """Intent probabilities ``[len(texts), len(meta.intents)]``."""
        self.encoder.eval()
        self.heads.eval()
        out = []
        for i in range(0, len(texts), batch_size):
            chunk = texts[i : i + batch_size]
            logits, _, _ = self.forward(chunk, [tokenize(t) for t in chunk])
            out.append(torch.softmax(logits.float(), -1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.meta.intents)))

    def parse(self, text: str, *, now: datetime | None = None) -> Parse:
        """Parse one utterance (the same result as ``parse_batch([text])[0]``)."""
        return self.parse_batch([text], now=now)[0]

    @torch.inference_mode()
    def parse_batch(
        self, texts: list[str], *, batch_size: int = 64, now: datetime | None = None
    ) -> list[Parse]:
        """Parse many utterances at once; results equal one-by-one parsing."""
        self.encoder.eval()
        self.heads.eval()
        results: list[Parse] = []
        for i in range(0, len(texts), batch_size):
            chunk = texts[i : i + batch_size]
            words = [tokenize(t) for t in chunk]
            intent_logits, tag_logits, mask = self.forward(chunk, words)
            probs = torch.softmax(intent_logits.float(), -1).cpu().numpy().round(6)
            tag_logp = torch.log_softmax(tag_logits.float(), -1).cpu()
            for b, text in enumerate(chunk):
                n = int(mask[b].sum())
                results.append(self._to_parse(text, words[b], probs[b], tag_logp[b, :n], now=now))
        return results

    def _to_parse(
        self,
        text: str,
        words: list[Token],
        probs: np.ndarray,
        tag_logp: torch.Tensor,
        *,
        now: datetime | None,
    ) -> Parse:
        intents = self.meta.intents
        order = [int(i) for i in np.argsort(-probs, kind="stable") if int(i) != self._oos_index]
        ranking = [IntentScore(name=intents[i], confidence=float(probs[i])) for i in order[:RANKING_SIZE]]
        chosen, fallback = decide(
            probs,
            intents,
            oos_index=self._oos_index,
            threshold=self.meta.threshold,
            margin=self.meta.config.ambiguity_margin,
        )
        if chosen is None:
            if self._oos_index is not None and fallback is not None and fallback.reason == "out_of_scope":
                confidence = float(probs[self._oos_index])
            else:
                confidence = round(1.0 - (ranking[0].confidence if ranking else 0.0), 6)
            intent = OUT_OF_SCOPE
        else:
            intent, confidence = intents[chosen], float(probs[chosen])
        entities = merge_entities(
            self._model_entities(text, words, tag_logp, now=now),
            self.rules.extract(text, now=now),
            trained=self._trained,
            typed=self._typed,
        )
        return Parse(
            text=text,
            intent=intent,
            confidence=confidence,
            ranking=ranking,
            entities=entities,
            fallback=fallback,
            model_version=self.meta.version or None,
        )

    def _model_entities(
        self, text: str, words: list[Token], tag_logp: torch.Tensor, *, now: datetime | None
    ) -> list[Entity]:
        if len(self.meta.tags) <= 1 or tag_logp.shape[0] == 0:
            return []
        path = viterbi(tag_logp, self._allowed, self._start)
        tags = [self.meta.tags[p] for p in path]
        toks = words[: len(tags)]
        out: list[Entity] = []
        for start, end, label in bio_to_spans(toks, tags):
            idx = [k for k, t in enumerate(toks) if t.start >= start and t.end <= end]
            conf = float(np.exp(np.mean([tag_logp[k, path[k]].item() for k in idx]))) if idx else 0.0
            span = Entity(
                entity=label,
                start=start,
                end=end,
                text=text[start:end],
                source="model",
                confidence=round(min(conf, 1.0), 6),
            )
            out.append(self.rules.normalise(span, now=now))
        return out

    # -- persistence -----------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the artifact into ``directory`` (created if missing)."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        tensors = {f"heads.{k}": v.detach().cpu().contiguous() for k, v in self.heads.state_dict().items()}
        if isinstance(self.encoder, CharEncoder):
            tensors.update(
                {f"char.{k}": v.detach().cpu().contiguous() for k, v in self.encoder.state_dict().items()}
            )
        elif self._copy_encoder():
            self.encoder.save_pretrained(path / "encoder")
        save_file(tensors, str(path / "heads.safetensors"))
        if self.sparse is not None:
            self.sparse.save(path)
        data = self.meta.to_json()
        data["weights_sha256"] = hashlib.sha256((path / "heads.safetensors").read_bytes()).hexdigest()
        (path / "nlu.json").write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return path

    def _copy_encoder(self) -> bool:
        cfg = self.meta.config
        return cfg.mode == "finetune" or cfg.encoder != DEFAULT_ENCODER

    @classmethod
    def load(cls, directory: str | Path, *, device: str = "auto") -> NLU:
        """Load an artifact written by :meth:`save`; a damaged or mismatched one raises ArtifactError."""
        path = Path(directory)
        meta_file = path / "nlu.json"
        if not meta_file.is_file():
            raise ArtifactError(
                f"expected an NLU artifact directory with nlu.json at {path}; found "
                f"{'no such directory' if not path.exists() else 'no nlu.json'}. Fix: run `skills train` first"
            )
        try:
            data = json.loads(meta_file.read_text())
        except (OSError, ValueError) as e:
            raise ArtifactError(f"expected valid JSON in {meta_file}; {e}. Fix: retrain the model") from e
        meta = NLUMeta.from_json(data, path)
        weights = path / "heads.safetensors"
        try:
            raw = weights.read_bytes()
        except OSError as e:
            raise ArtifactError(f"expected {weights}; {e}. Fix: retrain the model") from e
        if data.get("weights_sha256") and hashlib.sha256(raw).hexdigest() != data["weights_sha256"]:
            raise ArtifactError(
                f"expected {weights} to match the checksum recorded in nlu.json; it does not (corrupt or "
                "replaced). Fix: retrain or restore the artifact"
            )
        try:
            tensors = load_file(str(weights))
        except (SafetensorError, OSError, ValueError) as e:
            raise ArtifactError(f"expected readable safetensors in {weights}; {e}. Fix: retrain") from e
        dev = resolve_device(device)
        encoder = build_encoder(meta.config, language=meta.language, artifact=path)
        if isinstance(encoder, CharEncoder):
            _load_state(encoder, tensors, "char.", weights)
        heads = build_heads(meta, encoder, sparse_dim=0)
        sparse = SparseFeaturizer.load(path) if meta.config.sparse_features else None
        if sparse is not None:
            heads = build_heads(meta, encoder, sparse_dim=sparse.size)
        _load_state(heads, tensors, "heads.", weights)
        nlu = cls(meta=meta, encoder=encoder.to(dev), heads=heads.to(dev), sparse=sparse, device=dev)
        return nlu


def _load_state(module: torch.nn.Module, tensors: dict[str, torch.Tensor], prefix: str, where: Path) -> None:
    state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ArtifactError(
            f"expected weights in {where} to fit the model described by nlu.json; they do not "
            f"({str(e).splitlines()[0]}). Fix: the artifact is mismatched - retrain it"
        ) from e


def build_encoder(
    config: NLUConfig, *, language: str, artifact: Path | None = None
) -> HFEncoder | CharEncoder:
    """The encoder a config describes; from ``artifact/encoder`` when the artifact carries one."""
    source = config.resolved_encoder(language)
    if source == "char":
        return CharEncoder(
            buckets=config.hash_buckets,
            dim=config.char_dim,
            hidden=config.char_hidden,
            dropout=config.dropout,
        )
    if artifact is not None and (artifact / "encoder" / "config.json").is_file():
        return HFEncoder(artifact / "encoder", max_length=config.max_length)
    return HFEncoder(resolve_encoder_path(source), max_length=config.max_length)


def build_heads(meta: NLUMeta, encoder: HFEncoder | CharEncoder, *, sparse_dim: int) -> JointHeads:
    is_char = isinstance(encoder, CharEncoder)
    return JointHeads(
        pooled_dim=encoder.pooled_dim if is_char else encoder.dim,
        word_dim=encoder.dim,
        n_intents=len(meta.intents),
        n_tags=len(meta.tags),
        sparse_dim=sparse_dim,
        tag_hidden=meta.config.tag_hidden,
        dropout=meta.config.dropout,
        normalize_pooled=not is_char,
    )
