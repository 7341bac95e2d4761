"""Overfit -> save -> load -> predict, batch equality, spans, artifacts and the model store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skills_core.errors import ArtifactError
from skills_core.nlu.config import NLUConfig
from skills_core.nlu.model import NLU
from skills_core.nlu.store import load_from_store, save_to_store
from skills_core.nlu.train import config_for, train_nlu
from skills_core.spec.dataset import training_examples
from skills_core.spec.loader import load_skill
from skills_core.spec.types import OUT_OF_SCOPE

PROBES = [
    "send 50 dollars to Anna",
    "hello there",
    "what is my balance",
    "",
    "   ",
    "tell me a joke about cats 🐱",
    "TRANSFER €15 TO MOTHER!!!",
    "pay bob 100 euros and also what is my balance and hello " * 3,
]


@pytest.fixture(scope="module")
def tiny_skill(tiny_skill_path: Path):
    return load_skill(tiny_skill_path)


@pytest.fixture(scope="module")
def fast_nlu(tiny_skill) -> NLU:
    config = config_for(tiny_skill, epochs=40, validation_fraction=0.0, progress=False, patience=40)
    nlu, _ = train_nlu(tiny_skill, config=config)
    return nlu


def test_fast_mode_overfits_training_data(fast_nlu: NLU, tiny_skill) -> None:
    examples = training_examples(tiny_skill)
    parses = fast_nlu.parse_batch([ex.text for ex in examples])
    correct = sum(p.intent == ex.intent for p, ex in zip(parses, examples, strict=True))
    assert correct == len(examples)
    transfer = fast_nlu.parse("send 50 dollars to Anna")
    assert transfer.intent == "transfer_money"
    found = {(e.entity, e.text) for e in transfer.entities}
    assert ("amount", "50 dollars") in found
    assert ("recipient", "Anna") in found


def test_out_of_scope_examples_fall_back_with_a_reason(fast_nlu: NLU) -> None:
    parse = fast_nlu.parse("what's the weather like tomorrow")
    assert parse.intent == OUT_OF_SCOPE
    assert parse.fallback is not None
    assert parse.fallback.reason == "out_of_scope"
    assert parse.ranking and parse.ranking[0].name != OUT_OF_SCOPE


def _decisions(parse) -> dict:
    data = parse.model_dump(exclude={"confidence", "ranking"})
    data["ranking"] = [r.name for r in parse.ranking]
    data["entities"] = [{k: v for k, v in e.items() if k != "confidence"} for e in data["entities"]]
    return data


def test_parse_equals_parse_batch(fast_nlu: NLU) -> None:
    # Padding changes the floating-point summation order, so confidences agree to 1e-5 and every
    # decision (intent, fallback, ranking order, entities and values) is identical.
    one_by_one = [fast_nlu.parse(t) for t in PROBES]
    batched = fast_nlu.parse_batch(PROBES, batch_size=3)
    assert [_decisions(p) for p in one_by_one] == [_decisions(p) for p in batched]
    for a, b in zip(one_by_one, batched, strict=True):
        assert a.confidence == pytest.approx(b.confidence, abs=1e-5)
        assert [r.confidence for r in a.ranking] == pytest.approx([r.confidence for r in b.ranking], abs=1e-5)


def test_spans_are_character_offsets_into_the_original_text(fast_nlu: NLU) -> None:
    for text in [*PROBES, "send  50   dollars\tto Anna", "💸 send 50 dollars to Anna 💸"]:
        for entity in fast_nlu.parse(text).entities:
            assert text[entity.start : entity.end] == entity.text


def test_save_load_round_trip_gives_identical_parses(fast_nlu: NLU, tmp_path: Path) -> None:
    fast_nlu.save(tmp_path / "model")
    loaded = NLU.load(tmp_path / "model")
    assert [p.model_dump() for p in loaded.parse_batch(PROBES)] == [
        p.model_dump() for p in fast_nlu.parse_batch(PROBES)
    ]
    # the packaged default encoder is referenced, not copied
    assert not (tmp_path / "model" / "encoder").exists()
    assert not list((tmp_path / "model").rglob("*.pkl"))


def test_training_is_deterministic(tiny_skill) -> None:
    config = config_for(tiny_skill, epochs=3, progress=False)
    a, _ = train_nlu(tiny_skill, config=config)
    b, _ = train_nlu(tiny_skill, config=config)
    texts = PROBES[:4]
    assert (a.predict_proba(texts) == b.predict_proba(texts)).all()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "nlu.json").unlink(), "no nlu.json"),
        (lambda d: (d / "nlu.json").write_text("{not json"), "valid JSON"),
        (lambda d: (d / "heads.safetensors").write_bytes(b"garbage"), "checksum"),
        (lambda d: _edit_meta(d, format="skills-nlu/0"), "format"),
        (lambda d: _edit_meta(d, intents=["a", "b"]), "fit the model"),
        (
            lambda d: _edit_meta(d, weights_sha256=None) or (d / "heads.safetensors").write_bytes(b"x"),
            "safetensors",
        ),
        (lambda d: (d / "sparse.json").unlink(), "sparse.json"),
        (lambda d: shutil.rmtree(d), "no such directory"),
    ],
)
def test_damaged_artifacts_fail_with_clear_errors(
    fast_nlu: NLU, tmp_path: Path, damage, message: str
) -> None:
    directory = fast_nlu.save(tmp_path / "model")
    damage(directory)
    with pytest.raises(ArtifactError, match=message):
        NLU.load(directory)


def _edit_meta(directory: Path, **changes: object) -> None:
    data = json.loads((directory / "nlu.json").read_text())
    data.update(changes)
    (directory / "nlu.json").write_text(json.dumps(data))


def test_model_store_round_trip(fast_nlu: NLU) -> None:
    tag = save_to_store(fast_nlu)
    assert tag.startswith("skills-tiny_bank:")
    loaded = load_from_store(tag)
    assert loaded.version == tag
    assert [p.model_dump(exclude={"model_version"}) for p in loaded.parse_batch(PROBES)] == [
        p.model_dump(exclude={"model_version"}) for p in fast_nlu.parse_batch(PROBES)
    ]
    with pytest.raises(ArtifactError, match="not there"):
        load_from_store("skills-nope:latest")


def test_finetune_mode_saves_its_encoder_and_reloads(tiny_skill, tmp_path: Path) -> None:
    config = config_for(tiny_skill, mode="finetune", epochs=1, progress=False)
    nlu, summary = train_nlu(tiny_skill, config=config)
    assert summary.mode == "finetune"
    nlu.save(tmp_path / "ft")
    assert (tmp_path / "ft" / "encoder" / "model.safetensors").is_file()
    loaded = NLU.load(tmp_path / "ft")
    assert [p.model_dump() for p in loaded.parse_batch(PROBES)] == [
        p.model_dump() for p in nlu.parse_batch(PROBES)
    ]


def test_char_encoder_learns_chinese_and_keeps_character_spans(tiny_zh_path: Path, tmp_path: Path) -> None:
    skill = load_skill(tiny_zh_path)
    config = NLUConfig(
        encoder="char", epochs=30, patience=30, validation_fraction=0.0, progress=False, hash_buckets=2**14
    )
    nlu, _ = train_nlu(skill, config=config)
    examples = training_examples(skill)
    parses = nlu.parse_batch([ex.text for ex in examples])
    assert sum(p.intent == ex.intent for p, ex in zip(parses, examples, strict=True)) == len(examples)
    text = "广州今天天气怎么样"
    parse = nlu.parse(text)
    assert parse.intent == "weather"
    city = [e for e in parse.entities if e.entity == "city"]
    assert city and (city[0].start, city[0].end, city[0].text, city[0].value) == (0, 2, "广州", "广州")
    nlu.save(tmp_path / "zh")
    assert NLU.load(tmp_path / "zh").parse(text).model_dump() == parse.model_dump()
