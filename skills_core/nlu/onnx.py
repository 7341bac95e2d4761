"""ONNX Runtime for the transformer encoder on CPU (the ``onnx`` extra): fp32 or int8 weights.

The encoder is exported once with ``torch.onnx.export(dynamo=True)`` (dynamic batch and sequence
axes), optionally quantised to int8 with ONNX Runtime's dynamic quantisation, and cached on disk by
the identity of its weights, so the workers of a server and later restarts reuse the file. Only the
transformer runs in ONNX Runtime; the heads, the TF-IDF features and decoding stay in torch, so a
parse differs from the torch one only by float rounding (about 1e-6 in fp32).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import torch

from skills_core.errors import ConfigError
from skills_core.nlu.encoders.hf import HFEncoder
from skills_core.nlu.model import NLU

logger = logging.getLogger(__name__)

Precision = Literal["fp32", "int8"]
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FORMAT = "skills-onnx-1"
"""Part of every cache key: bump it when the export changes."""


def onnx_available() -> bool:
    """Whether ONNX Runtime and the exporter's dependencies are installed."""
    try:
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError:
        return False
    return True


def default_cache_dir() -> Path:
    """``$SKILLS_ONNX_CACHE``, else ``onnx/`` under ``$BENTOML_HOME`` (default ``~/bentoml``)."""
    if os.environ.get("SKILLS_ONNX_CACHE"):
        return Path(os.environ["SKILLS_ONNX_CACHE"]).expanduser()
    return Path(os.environ.get("BENTOML_HOME", "~/bentoml")).expanduser() / "skills-onnx"


class OnnxTransformer:
    """Runs an exported encoder with ONNX Runtime; called like the torch model, returns the hidden states."""

    def __init__(self, file: Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default (one per core)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.file = file
        try:
            self.session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors for damaged files
            raise ConfigError(
                f"expected a loadable ONNX encoder at {file}; ONNX Runtime said: {e}. "
                "Fix: delete the file (it is a cache) and load the model again"
            ) from e
        self._names = {i.name for i in self.session.get_inputs()}

    def __call__(self, **inputs: torch.Tensor) -> torch.Tensor:
        feed = {k: v.cpu().numpy() for k, v in inputs.items() if k in self._names}
        (hidden,) = self.session.run(["last_hidden_state"], feed)
        return torch.from_numpy(hidden)


class _Hidden(torch.nn.Module):
    """The transformer with positional inputs and the last hidden state as its only output."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return out.last_hidden_state


def encoder_key(encoder: HFEncoder) -> str:
    """A cache key that changes whenever the encoder's weights or the export format do."""
    digest = hashlib.sha256(f"{FORMAT}:{torch.__version__}".encode())
    for name, tensor in sorted(encoder.model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()[:24]


def _require_extra() -> None:
    if not onnx_available():
        raise ConfigError(
            "expected onnxruntime and onnxscript for the ONNX runtime; they are not installed. "
            'Fix: pip install "skills[onnx]" or use the torch runtime (SKILLS_RUNTIME=torch)'
        )


def export_encoder(encoder: HFEncoder, file: Path) -> Path:
    """Export ``encoder``'s transformer (fp32, dynamic batch and length) to ``file``, written atomically."""
    _require_extra()
    file.parent.mkdir(parents=True, exist_ok=True)
    model = _Hidden(encoder.model).eval()
    sample = encoder.tokenizer(["a short example", "hi"], padding=True, return_tensors="pt")
    args = tuple(sample[name] for name in INPUTS)
    batch, seq = torch.export.Dim("batch", max=4096), torch.export.Dim("seq", max=encoder.max_length + 2)
    shapes = {name: {0: batch, 1: seq} for name in INPUTS}
    with tempfile.TemporaryDirectory(dir=file.parent) as tmp:
        with torch.no_grad():
            program = torch.onnx.export(
                model, args, dynamo=True, dynamic_shapes=shapes, input_names=list(INPUTS),
                output_names=["last_hidden_state"], verbose=False,
            )  # fmt: skip
        if program is None:
            raise ConfigError("expected torch.onnx.export to return the exported program; it returned None")
        out = Path(tmp) / file.name
        program.save(str(out))
        out.replace(file)  # atomic: concurrent workers never read half a file
    return file


def quantize_encoder(fp32: Path, file: Path) -> Path:
    """Dynamic int8 quantisation of an exported encoder (weights int8, activations quantised per call)."""
    _require_extra()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=file.parent) as tmp:
        out = Path(tmp) / file.name
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
        out.replace(file)
    return file


def use_onnx(
    nlu: NLU,
    *,
    precision: Precision = "fp32",
    cache_dir: Path | None = None,
    threads: int | None = None,
) -> Path:
    """Run ``nlu``'s transformer encoder with ONNX Runtime from now on; returns the ONNX file used.

    The export is cached under ``cache_dir`` (default :func:`default_cache_dir`) by the weights'
    identity, so the first load pays for it (about 10 s for MiniLM) and later ones do not.

    Raises:
        ConfigError: the model has no transformer encoder, runs on a GPU, or the extra is missing.
    """
    encoder = nlu.encoder
    if not isinstance(encoder, HFEncoder):
        raise ConfigError(
            "expected a model with a Hugging Face transformer encoder for the ONNX runtime; found the "
            "from-scratch char encoder (already small and fast in torch). Fix: use the torch runtime"
        )
    if nlu.device.type != "cpu":
        raise ConfigError(
            f"expected a CPU model for the ONNX runtime; found device {nlu.device}. "
            "Fix: use the torch runtime on GPUs (it runs the encoder in float16 there)"
        )
    if precision not in ("fp32", "int8"):
        raise ConfigError(f"expected ONNX precision 'fp32' or 'int8'; found {precision!r}")
    _require_extra()
    key = encoder_key(encoder)
    root = cache_dir if cache_dir is not None else default_cache_dir()
    fp32 = root / f"{key}.fp32.onnx"
    if not fp32.is_file():
        logger.info("exporting the encoder to ONNX at %s", fp32)
        export_encoder(encoder, fp32)
    file = fp32
    if precision == "int8":
        file = root / f"{key}.int8.onnx"
        if not file.is_file():
            logger.info("quantising the ONNX encoder to int8 at %s", file)
            quantize_encoder(fp32, file)
    encoder.runner = OnnxTransformer(file, threads=threads)
    return file


def describe(nlu: NLU) -> dict[str, Any]:
    """Which runtime runs the encoder: ``{"runtime": "torch"}`` or the ONNX file in use."""
    runner = getattr(nlu.encoder, "runner", None)
    if isinstance(runner, OnnxTransformer):
        return {"runtime": "onnx", "file": str(runner.file)}
    return {"runtime": "torch"}
