"""Malformed skill files and model artifacts: clear errors with file:line, nothing overwritten."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skills_core.cli import app
from skills_core.errors import SkillsError

runner = CliRunner()

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)
)

MALFORMED: list[tuple[str, bytes, int]] = [
    ("unclosed bracket", b"name: x\nintents:\n  greet: [hello\n", 4),
    ("duplicate key", b"name: a\nname: b\nintents: {}\n", 2),
    ("tab indentation", b"name: x\nintents:\n\tgreet:\n", 3),
    ("invalid UTF-8", b"name: x\nintents:\n  greet: {examples: [\xff\xfe]}\n", 3),
    ("not a mapping", b"- just\n- a list\n", 1),
    ("billion laughs", LAUGHS.encode() + b"name: *h\n", 2),
    ("wrong type", b"name: x\nintents: 5\n", 2),
]


@pytest.mark.parametrize(("name", "content", "line"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_validate_points_at_file_and_line(tmp_path: Path, name: str, content: bytes, line: int) -> None:
    skill = tmp_path / "skill.yml"
    skill.write_bytes(content)
    result = runner.invoke(app, ["validate", str(skill)])
    assert result.exit_code == 1, result.output
    assert re.search(rf"{re.escape(str(skill))}:{line}\b", result.output), result.output
    assert "expected" in result.output and "Traceback" not in result.output
    assert skill.read_bytes() == content  # validation never rewrites the file


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


CORRUPTIONS = ["truncate weights", "garbage metadata", "delete a file", "empty every file"]


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_a_corrupt_artifact_is_refused_and_the_good_one_untouched(
    tiny_tags: list[str], tmp_path: Path, how: str
) -> None:
    import bentoml

    from skills_core.nlu.store import load_from_store, store_path

    good = store_path(tiny_tags[0])
    before = tree_hash(good)
    name = tiny_tags[0].split(":")[0]
    with bentoml.models.create(name, labels={"test": "corrupt"}, module="skills_core.nlu") as bad_model:
        bad = Path(bad_model.path)
        for file in good.rglob("*"):
            if file.is_file() and file.name not in ("model.yaml",):
                target = bad / file.relative_to(good)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(file.read_bytes())
        files = sorted(p for p in bad.rglob("*") if p.is_file() and p.name != "model.yaml")
        weights = [p for p in files if p.suffix == ".safetensors"]
        metas = [p for p in files if p.suffix == ".json"]
        if how == "truncate weights":
            weights[0].write_bytes(weights[0].read_bytes()[:100])
        elif how == "garbage metadata":
            metas[0].write_text("{not json")
        elif how == "delete a file":
            (weights or metas)[0].unlink()
        else:
            for p in files:
                p.write_bytes(b"")
    bad_tag = str(bad_model.tag)
    try:
        with pytest.raises(SkillsError) as info:
            load_from_store(bad_tag, device="cpu")
        message = str(info.value)
        assert message.startswith("expected") or "expected" in message, message
        assert tree_hash(good) == before  # the good model's files are untouched
        assert load_from_store(tiny_tags[0], device="cpu").parse("hello").intent
    finally:
        bentoml.models.delete(bad_tag)
