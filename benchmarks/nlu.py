"""Accuracy benchmark: train on a public dataset's standard split, evaluate on its test set.

    python benchmarks/nlu.py --dataset snips --mode fast [--data ../shared/datasets] [--out results.json]

Prints one JSON object: the headline metrics, training time and inference latency (torch, and
ONNX Runtime fp32/int8 for transformer encoders when the ``onnx`` extra is installed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from benchmarks.datasets import DATASETS, load_dataset
from skills_core.nlu.config import NLUConfig
from skills_core.nlu.encoders.hf import HFEncoder
from skills_core.nlu.evaluate import evaluate
from skills_core.nlu.onnx import onnx_available, use_onnx
from skills_core.nlu.train import fit
from skills_core.spec.types import OUT_OF_SCOPE

LANGUAGE = {"cais": "zh", "smp2019": "zh"}


def latency(nlu, texts: list[str]) -> dict[str, float]:
    nlu.parse(texts[0])  # warm-up
    single = []
    for text in texts[:100]:
        t = time.perf_counter()
        nlu.parse(text)
        single.append((time.perf_counter() - t) * 1000)
    batch = []
    for i in range(0, min(len(texts), 320), 32):
        chunk = texts[i : i + 32]
        t = time.perf_counter()
        nlu.parse_batch(chunk)
        batch.append((time.perf_counter() - t) * 1000)
    return {
        "single_p50_ms": round(statistics.median(single), 2),
        "single_p90_ms": round(sorted(single)[int(len(single) * 0.9) - 1], 2),
        "batch32_ms": round(statistics.median(batch), 2),
        "batch32_per_utterance_ms": round(statistics.median(batch) / 32, 2),
    }


def percent(summary: dict) -> dict:
    """Rates as percentages with two decimals (counts unchanged)."""
    return {k: (round(v * 100, 2) if isinstance(v, float) else v) for k, v in summary.items()}


def onnx_rows(nlu, test, texts: list[str]) -> dict[str, dict]:
    """The same model with its encoder in ONNX Runtime: test metrics and latency per precision."""
    if not isinstance(nlu.encoder, HFEncoder) or not onnx_available():
        return {}
    rows = {}
    for precision in ("fp32", "int8"):
        started = time.perf_counter()
        use_onnx(nlu, precision=precision, threads=torch.get_num_threads())
        export_s = time.perf_counter() - started
        summary = evaluate(test, nlu.parse_batch(texts), threshold=nlu.meta.threshold).summary()
        rows[precision] = {
            "export_and_load_seconds": round(export_s, 1),
            "metrics": percent(summary),
            "latency": latency(nlu, texts),
        }
    nlu.encoder.runner = None
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    parser.add_argument("--mode", default="fast", choices=["fast", "finetune"])
    parser.add_argument("--encoder", default=None, help="'char', a model directory, or the default MiniLM")
    parser.add_argument("--data", default=None, help="folder holding <dataset>/ (default ../shared/datasets)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--max-train-minutes", type=float, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any NLUConfig field")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument(
        "--no-onnx", action="store_true", help="skip the ONNX Runtime fp32/int8 accuracy and latency rows"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    language = LANGUAGE.get(args.dataset, "en")
    overrides: dict = {"mode": args.mode, "progress": False}
    if args.encoder:
        overrides["encoder"] = args.encoder
    elif language == "zh":
        overrides["encoder"] = "char"
    if args.epochs:
        overrides["epochs"] = args.epochs
    if args.max_train_minutes:
        overrides["max_train_time_s"] = args.max_train_minutes * 60
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = (
            json.loads(value) if value[:1] in "0123456789-[{tf" and value not in ("char",) else value
        )
    config = NLUConfig.model_validate(overrides)

    train = load_dataset(args.dataset, "train", data_dir=args.data)
    valid = load_dataset(args.dataset, "valid", data_dir=args.data)
    test = load_dataset(args.dataset, "test", data_dir=args.data)
    started = time.perf_counter()
    nlu, summary = fit(train, valid, config=config, language=language)
    train_s = time.perf_counter() - started
    texts = [ex.text for ex in test]
    calibrated = nlu.meta.threshold
    if not any(ex.intent == OUT_OF_SCOPE for ex in train):
        # Closed-set datasets (no out-of-scope train or test data): the standard metric is plain
        # top-1 accuracy, so the rejection threshold is switched off for scoring.
        nlu.meta.threshold = 0.0
    predicted = nlu.parse_batch(texts)
    report = evaluate(test, predicted, threshold=nlu.meta.threshold)
    without = None
    if nlu.meta.threshold > 0:
        # the same model with the explicit out-of-scope class only: shows what the threshold trades
        nlu.meta.threshold = 0.0
        without = evaluate(test, nlu.parse_batch(texts), threshold=0.0).summary()
        nlu.meta.threshold = calibrated
    result = {
        "dataset": args.dataset,
        "mode": args.mode,
        "encoder": config.resolved_encoder(language),
        "train_examples": len(train),
        "valid_examples": len(valid),
        "test_examples": len(test),
        "train_seconds": round(train_s, 1),
        "epochs_run": summary.epochs_run,
        "best_epoch": summary.best_epoch,
        "threshold": nlu.meta.threshold,
        "calibrated_threshold": calibrated,
        "metrics": percent(report.summary()),
        "metrics_without_threshold": None if without is None else percent(without),
        "latency": latency(nlu, texts),
        "onnx": {} if args.no_onnx else onnx_rows(nlu, test, texts),
        "config": config.model_dump(),
        "machine": {
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
