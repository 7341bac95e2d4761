"""Benchmark dataset loaders, on tiny synthetic files (the real data is never needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import datasets
from benchmarks.datasets import (
    DatasetError,
    align_tokens,
    default_data_dir,
    load_dataset,
    tags_to_token_spans,
)
from skills_core.errors import ConfigError
from skills_core.spec.types import OUT_OF_SCOPE


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def slot_row(tokens: list[str], tags: list[str], intent: str, sep: str) -> dict[str, Any]:
    return {"text": sep.join(tokens), "intent": intent, "tokens": tokens, "tags": tags}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "datasets"
    banking = [{"text": f"{intent} question {i}", "intent": intent} for intent in "abc" for i in range(10)]
    write_jsonl(root / "banking77" / "train.jsonl", banking)
    write_jsonl(root / "banking77" / "test.jsonl", banking[:3])
    for split in ("train", "valid", "test"):
        clinc = [{"text": f"{split} hello", "intent": "greet"}, {"text": f"{split} noise", "intent": "oos"}]
        write_jsonl(root / "clinc150" / f"{split}.jsonl", clinc)
        snips = [
            slot_row(
                ["play", "the", "new", "york", "song", "st.", "louis"],
                ["O", "O", "B-city", "I-city", "O", "B-city", "I-city"],
                "PlayMusic",
                " ",
            ),
            slot_row(["hi", "there"], ["O", "O"], "Greet", " "),
        ]
        write_jsonl(root / "snips" / f"{split}.jsonl", snips)
        cais = [
            slot_row(
                ["来", "张", "信", "哲", " ", "夜", "曲", "吧"],
                ["O", "B-singer", "I-singer", "E-singer", "O", "B-song", "E-song", "S-mood"],
                "PlayMusic",
                "",
            )
        ]
        write_jsonl(root / "cais" / f"{split}.jsonl", cais)
    return root


def test_banking77_carves_a_stratified_validation_split(data_dir: Path) -> None:
    train = load_dataset("banking77", "train", data_dir=data_dir)
    valid = load_dataset("banking77", "valid", data_dir=data_dir)
    full = load_dataset("banking77", "train+valid", data_dir=data_dir)
    assert (len(train), len(valid), len(full)) == (27, 3, 30)
    assert sorted(e.intent for e in valid) == ["a", "b", "c"]
    assert not {e.text for e in train} & {e.text for e in valid}
    assert [e.text for e in full] == [f"{i} question {n}" for i in "abc" for n in range(10)]
    # Both parts keep file order.
    assert [e.text for e in train] == [e.text for e in full if e not in valid]
    assert load_dataset("banking77", "valid", data_dir=data_dir) == valid
    seeds = {
        tuple(e.text for e in load_dataset("banking77", "valid", data_dir=data_dir, valid_seed=s))
        for s in range(5)
    }
    assert len(seeds) > 1
    assert len(load_dataset("banking77", "test", data_dir=data_dir)) == 3


def test_clinc150_maps_oos(data_dir: Path) -> None:
    examples = load_dataset("clinc150", "valid", data_dir=data_dir)
    assert [(e.text, e.intent) for e in examples] == [("valid hello", "greet"), ("valid noise", OUT_OF_SCOPE)]
    assert [e.text for e in load_dataset("clinc150", "train+valid", data_dir=data_dir)] == [
        "train hello",
        "train noise",
        "valid hello",
        "valid noise",
    ]


def test_snips_bio_becomes_character_spans(data_dir: Path) -> None:
    first, second = load_dataset("snips", "test", data_dir=data_dir)
    assert first.intent == "PlayMusic"
    assert [(first.text[s.start : s.end], s.entity) for s in first.spans] == [
        ("new york", "city"),
        ("st. louis", "city"),
    ]
    assert second.spans == ()


def test_cais_bioes_over_characters_with_a_space_token(data_dir: Path) -> None:
    (example,) = load_dataset("cais", "train", data_dir=data_dir)
    assert example.text == "来张信哲 夜曲吧"
    assert [(example.text[s.start : s.end], s.entity) for s in example.spans] == [
        ("张信哲", "singer"),
        ("夜曲", "song"),
        ("吧", "mood"),
    ]


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["O", "B-a", "I-a", "O"], [(1, 2, "a")]),
        (["B-a", "B-a"], [(0, 0, "a"), (1, 1, "a")]),
        (["B-a", "I-b"], [(0, 0, "a"), (1, 1, "b")]),
        (["I-a", "I-a"], [(0, 1, "a")]),
        (["B-a", "E-a", "I-a"], [(0, 1, "a"), (2, 2, "a")]),
        (["S-a", "S-a", "B-b", "I-b", "E-b"], [(0, 0, "a"), (1, 1, "a"), (2, 4, "b")]),
        (["B-x.y-z", "I-x.y-z"], [(0, 1, "x.y-z")]),
        (["O", "O"], []),
    ],
)
def test_tags_to_token_spans(tags: list[str], spans: list[tuple[int, int, str]]) -> None:
    assert tags_to_token_spans(tags) == spans


@pytest.mark.parametrize("bad", ["X-a", "B-", "b-a", "OO"])
def test_tags_to_token_spans_rejects_unknown_tags(bad: str) -> None:
    with pytest.raises(DatasetError, match="BIO/BIOES"):
        tags_to_token_spans(["O", bad])


@pytest.mark.parametrize(
    ("text", "tokens", "offsets"),
    [
        ("new  york", ["new", "york"], [(0, 3), (5, 9)]),
        ("张 三", ["张", " ", "三"], [(0, 1), (1, 2), (2, 3)]),
        ("张三", ["张", "三"], [(0, 1), (1, 2)]),
    ],
)
def test_align_tokens(text: str, tokens: list[str], offsets: list[tuple[int, int]]) -> None:
    assert align_tokens(text, tokens) == offsets
    assert [text[s:e] for s, e in offsets] == tokens


@pytest.mark.parametrize(
    ("text", "tokens", "message"),
    [
        ("new york", ["new", "jersey"], "expected token 1 'jersey'"),
        ("new york city", ["new", "york"], "text left over"),
        ("newyork", ["new", ""], "expected token 1 ''"),
    ],
)
def test_align_tokens_rejects_mismatches(text: str, tokens: list[str], message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        align_tokens(text, tokens)


def test_unknown_name_and_split_list_the_valid_ones(data_dir: Path) -> None:
    with pytest.raises(DatasetError, match=r"banking77.*snips"):
        load_dataset("massive", "train", data_dir=data_dir)
    with pytest.raises(DatasetError, match="'dev'"):
        load_dataset("snips", "dev", data_dir=data_dir)


def test_missing_folder_and_file_name_the_path_and_data_option(data_dir: Path) -> None:
    with pytest.raises(DatasetError, match=r"atis.*--data") as folder_error:
        load_dataset("atis", "train", data_dir=data_dir)
    assert str(data_dir / "atis") in str(folder_error.value)
    with pytest.raises(DatasetError, match="--data") as root_error:
        load_dataset("clinc150", "valid", data_dir=data_dir / "nowhere")
    assert str(data_dir / "nowhere" / "clinc150") in str(root_error.value)
    (data_dir / "cais" / "test.jsonl").unlink()
    with pytest.raises(ConfigError, match=r"cais/test\.jsonl.*--data"):
        load_dataset("cais", "test", data_dir=data_dir)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"text": "x"}', "field 'intent'"),
        ('{"text": "a b", "intent": "i", "tokens": ["a", "b"], "tags": ["O"]}', "as many string tags"),
        ('{"text": "a b", "intent": "i", "tokens": ["a", "c"], "tags": ["O", "O"]}', "expected token 1"),
    ],
)
def test_malformed_lines_name_file_and_line(data_dir: Path, line: str, message: str) -> None:
    path = data_dir / "snips" / "valid.jsonl"
    path.write_text('{"text": "ok", "intent": "i", "tokens": ["ok"], "tags": ["O"]}\n\n' + line + "\n")
    with pytest.raises(DatasetError, match=message) as error:
        load_dataset("snips", "valid", data_dir=data_dir)
    assert f"{path}:3" in str(error.value)


def test_default_data_dir_is_next_to_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_module = tmp_path / "work" / "main" / "benchmarks" / "datasets.py"
    monkeypatch.setattr(datasets, "__file__", str(fake_module))
    assert default_data_dir() is None
    expected = tmp_path / "work" / "shared" / "datasets"
    expected.mkdir(parents=True)
    assert default_data_dir() == expected


def test_no_data_dir_at_all_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "default_data_dir", lambda: None)
    with pytest.raises(DatasetError, match="--data"):
        load_dataset("snips", "train")
