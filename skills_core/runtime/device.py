"""Device set-up for serving: pick the device, cap GPU memory, half precision, give memory back."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import sys
from typing import Any, Literal

import torch

from skills_core.errors import ConfigError
from skills_core.nlu.model import NLU, resolve_device

logger = logging.getLogger(__name__)


def select_device(name: str = "auto", *, memory_fraction: float | None = None) -> torch.device:
    """Resolve ``auto``/``cpu``/``cuda``/``cuda:N`` and, on CUDA, cap this process' share of memory.

    Args:
        name: the requested device.
        memory_fraction: the share (0-1] of the GPU's memory this process may use; None leaves it.
    """
    try:
        device = resolve_device(name)
    except RuntimeError as e:
        raise ConfigError(f"expected a device like auto, cpu, cuda or cuda:0; found {name!r} ({e})") from e
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(
                f"expected a CUDA GPU for device {name!r}; torch sees none. Fix: set SKILLS_DEVICE=cpu or auto"
            )
        if memory_fraction is not None:
            if not 0 < memory_fraction <= 1:
                raise ConfigError(
                    f"expected a GPU memory fraction in (0, 1]; found {memory_fraction}. "
                    "Fix: set SKILLS_GPU_MEMORY_FRACTION to e.g. 0.45"
                )
            index = device.index if device.index is not None else torch.cuda.current_device()
            torch.cuda.set_per_process_memory_fraction(memory_fraction, index)
    return device


def use_half(nlu: NLU) -> bool:
    """Run the transformer encoder in float16 (CUDA only); the heads keep float32.

    A forward hook turns the encoder's output back into float32, so everything downstream is unchanged.
    Returns whether half precision is now on.
    """
    model = getattr(nlu.encoder, "model", None)
    if nlu.device.type != "cuda" or not isinstance(model, torch.nn.Module):
        return False
    model.half()
    model.register_forward_hook(_outputs_to_float)
    return True


def _outputs_to_float(_module: torch.nn.Module, _args: Any, output: Any) -> Any:
    hidden = getattr(output, "last_hidden_state", None)
    if isinstance(hidden, torch.Tensor) and hidden.dtype != torch.float32:
        output.last_hidden_state = hidden.float()
    return output


def release_memory() -> None:
    """Collect garbage, empty the CUDA cache and hand freed heap pages back to the OS (glibc)."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    if sys.platform.startswith("linux"):
        libc_name = ctypes.util.find_library("c")
        if libc_name:
            try:
                ctypes.CDLL(libc_name).malloc_trim(0)
            except (OSError, AttributeError):  # musl and friends have no malloc_trim
                logger.debug("malloc_trim is not available")


Runtime = Literal["auto", "torch", "onnx", "onnx-int8"]


def use_runtime(nlu: NLU, runtime: Runtime, *, threads: int | None = None) -> str:
    """Put ``nlu``'s encoder on the chosen runtime; returns the one in use (``torch``, ``onnx``, ``onnx-int8``).

    ``auto`` picks ONNX Runtime (fp32) for a transformer encoder on CPU when the ``onnx`` extra is
    installed (about 3x faster per utterance on CPU), and torch otherwise. Asking for ``onnx`` when it
    cannot be used is an error, not a silent fallback.
    """
    from skills_core.nlu.encoders.hf import HFEncoder
    from skills_core.nlu.onnx import onnx_available, use_onnx

    if runtime == "torch":
        return "torch"
    if runtime == "auto":
        if not (isinstance(nlu.encoder, HFEncoder) and nlu.device.type == "cpu" and onnx_available()):
            return "torch"
        runtime = "onnx"
    use_onnx(nlu, precision="int8" if runtime == "onnx-int8" else "fp32", threads=threads)
    return runtime


def share_encoder(source: NLU, target: NLU) -> bool:
    """Let ``target`` run on ``source``'s encoder when both use the same frozen pretrained encoder.

    In ``fast`` mode the encoder is not trained, so a model and the analysers trained with it hold
    identical copies: sharing one saves its memory (and its ONNX session). Returns whether it shared.
    """
    from skills_core.nlu.encoders.hf import HFEncoder

    a, b = source.meta.config, target.meta.config
    same = a.mode == b.mode == "fast" and a.encoder == b.encoder and a.max_length == b.max_length
    if not (same and isinstance(source.encoder, HFEncoder) and isinstance(target.encoder, HFEncoder)):
        return False
    if source.device != target.device:
        return False
    target.encoder = source.encoder
    return True
