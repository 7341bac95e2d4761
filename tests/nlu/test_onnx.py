"""ONNX Runtime for the transformer encoder: same decisions as torch, cached export, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills_core.errors import ConfigError
from skills_core.nlu import onnx as nlu_onnx
from skills_core.nlu.model import NLU
from skills_core.nlu.onnx import OnnxTransformer, describe, use_onnx
from skills_core.nlu.train import config_for, train_nlu
from skills_core.runtime.device import use_runtime
from skills_core.spec.loader import load_skill

pytest.importorskip("onnxruntime", reason="the onnx extra is part of `make test`")

TEXTS = ["send 20 dollars to Anna", "what is my balance", "hello", "zzzz qqqq", "transfer 5 euros to Bob now"]


@pytest.fixture(scope="module")
def trained(tiny_skill_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    skill = load_skill(tiny_skill_path)
    nlu, _ = train_nlu(skill, config=config_for(skill, epochs=2, progress=False))
    return nlu.save(tmp_path_factory.mktemp("model") / "nlu")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


def test_fp32_gives_the_same_parses_as_torch(trained: Path, cache: Path) -> None:
    nlu = NLU.load(trained, device="cpu")
    expected = nlu.parse_batch(TEXTS)
    file = use_onnx(nlu, cache_dir=cache)
    assert describe(nlu) == {"runtime": "onnx", "file": str(file)}
    got = nlu.parse_batch(TEXTS)
    for a, b in zip(expected, got, strict=True):
        assert (a.intent, a.fallback, a.entities) == (b.intent, b.fallback, b.entities)
        assert a.confidence == pytest.approx(b.confidence, abs=1e-4)
    assert nlu.parse(TEXTS[0]) == got[0]


def test_export_is_cached_by_weights(trained: Path, cache: Path) -> None:
    first = use_onnx(NLU.load(trained, device="cpu"), cache_dir=cache)
    stamp = first.stat().st_mtime_ns
    second = use_onnx(NLU.load(trained, device="cpu"), cache_dir=cache)
    assert second == first and second.stat().st_mtime_ns == stamp
    assert [p.name for p in cache.iterdir()] == [first.name]  # no temporary files left behind


def test_int8_keeps_the_decisions_on_clear_inputs(trained: Path, cache: Path) -> None:
    nlu = NLU.load(trained, device="cpu")
    expected = [p.intent for p in nlu.parse_batch(TEXTS[:3])]
    file = use_onnx(nlu, precision="int8", cache_dir=cache)
    assert file.name.endswith(".int8.onnx")
    assert file.stat().st_size < (cache / file.name.replace("int8", "fp32")).stat().st_size / 2
    assert [p.intent for p in nlu.parse_batch(TEXTS[:3])] == expected


def test_a_damaged_cache_file_is_a_clear_error(trained: Path, tmp_path: Path) -> None:
    nlu = NLU.load(trained, device="cpu")
    key = nlu_onnx.encoder_key(nlu.encoder)
    (tmp_path / f"{key}.fp32.onnx").write_bytes(b"not an onnx file")
    with pytest.raises(ConfigError, match="delete the file"):
        use_onnx(nlu, cache_dir=tmp_path)
    assert describe(nlu) == {"runtime": "torch"}


def test_missing_extra_and_char_encoder_are_refused(
    trained: Path, tiny_zh_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    skill = load_skill(tiny_zh_path)
    char_nlu, _ = train_nlu(skill, config=config_for(skill, encoder="char", epochs=1, progress=False))
    with pytest.raises(ConfigError, match="char encoder"):
        use_onnx(char_nlu, cache_dir=tmp_path)
    assert use_runtime(char_nlu, "auto") == "torch"
    monkeypatch.setattr(nlu_onnx, "onnx_available", lambda: False)
    nlu = NLU.load(trained, device="cpu")
    with pytest.raises(ConfigError, match=r"skills\[onnx\]"):
        use_onnx(nlu, cache_dir=tmp_path)
    assert use_runtime(nlu, "auto") == "torch"
    assert use_runtime(nlu, "torch") == "torch"


def test_auto_runtime_uses_onnx_on_cpu(trained: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLS_ONNX_CACHE", str(cache))
    nlu = NLU.load(trained, device="cpu")
    assert use_runtime(nlu, "auto", threads=1) == "onnx"
    assert isinstance(nlu.encoder.runner, OnnxTransformer)
