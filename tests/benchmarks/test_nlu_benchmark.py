"""benchmarks/nlu.py end to end on a tiny CLINC150-format dataset: the JSON it prints and writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.nlu import main

pytest.importorskip("onnxruntime", reason="the onnx extra is part of `make test`")

INTENTS = {
    "greet": ["hello", "hi there", "good morning", "hey", "hello friend", "hi"],
    "balance": ["what is my balance", "show my balance", "how much money do i have", "balance please",
                "check my balance", "account balance"],
    "weather": ["is it raining", "weather today", "will it be sunny", "what is the weather", "forecast please",
                "is it cold outside"],
}  # fmt: skip
OOS = ["tell me a joke", "who won the game", "play some music", "book a flight to paris", "sing a song"]


def _write(root: Path) -> Path:
    folder = root / "clinc150"
    folder.mkdir(parents=True)
    for split in ("train", "valid", "test"):
        rows = [{"text": t, "intent": i} for i, texts in INTENTS.items() for t in texts]
        rows += [{"text": t, "intent": "oos"} for t in OOS]
        (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def test_prints_metrics_latency_and_onnx_rows(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    data = _write(tmp_path / "data")
    result = main(["--dataset", "clinc150", "--data", str(data), "--epochs", "2", "--out", str(out)])
    assert json.loads(out.read_text()) == result
    assert result["test_examples"] == 23 and result["mode"] == "fast"
    assert 0 <= result["metrics"]["accuracy"] <= 100 and result["metrics"]["count"] == 23
    assert set(result["latency"]) == {
        "single_p50_ms",
        "single_p90_ms",
        "batch32_ms",
        "batch32_per_utterance_ms",
    }
    if result["threshold"] > 0:  # the explicit out-of-scope class alone, for comparison
        assert result["metrics_without_threshold"]["count"] == 23
    else:
        assert result["metrics_without_threshold"] is None
    assert set(result["onnx"]) == {"fp32", "int8"}
    fp32 = result["onnx"]["fp32"]["metrics"]
    assert fp32["accuracy"] == pytest.approx(result["metrics"]["accuracy"], abs=100 / 23 + 1e-9)
