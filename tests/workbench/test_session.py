"""The workbench session: a fixed validation split, training, edits and retrain comparisons."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills_core.errors import ConfigError
from skills_core.spec.types import OUT_OF_SCOPE
from skills_core.workbench import NearestExamples, Workbench


def test_open_splits_once_and_trains_on_the_rest(fresh: Workbench) -> None:
    texts = {ex.text for ex in fresh.validation}
    assert texts, "the tiny skill has intents with 3+ examples, so some are held out"
    assert not texts & {ex.text for ex in fresh.training_set()}
    assert fresh.intents == ["check_balance", "goodbye", "greet", "transfer_money", OUT_OF_SCOPE]
    assert fresh.config.epochs == 1 and fresh.config.progress is False


def test_untrained_workbench_says_what_to_do(fresh: Workbench) -> None:
    with pytest.raises(ConfigError, match=r"call workbench.train\(\)"):
        fresh.parse("hi")


def test_trained_run(trained: Workbench) -> None:
    run = trained.runs[0]
    assert run.number == 1 and run.report is not None
    assert run.report.count == len(trained.validation) == len(run.predictions)
    assert [p.text for p in run.predictions] == [ex.text for ex in trained.validation]
    parse = trained.parse("send 20 dollars to bob")
    assert parse.intent in trained.intents
    assert {e.entity for e in parse.entities} >= {"amount", "recipient"}
    assert trained.threshold == trained.nlu.meta.threshold


@pytest.mark.parametrize(
    ("intent", "texts", "match"),
    [
        ("no_such_intent", ["hello"], "expected one of the skill's intents"),
        ("greet", ["hello [there"], "example 'hello \\[there'"),
    ],
)
def test_bad_edits_are_refused(fresh: Workbench, intent: str, texts: list[str], match: str) -> None:
    before = fresh.skill
    with pytest.raises(ConfigError, match=match):
        fresh.add_examples(intent, texts)
    assert fresh.skill is before


def test_add_examples_then_retrain_compares_on_the_same_split(fresh: Workbench) -> None:
    fresh.train()
    validation = list(fresh.validation)
    added = fresh.add_examples("greet", ["yo [Anna](recipient)", "  ", "hey you"])
    assert [ex.text for ex in added] == ["yo Anna", "hey you"]
    assert {"yo Anna", "hey you"} <= {ex.text for ex in fresh.training_set()}
    added_oos = fresh.add_examples(OUT_OF_SCOPE, ["book me a flight"])
    assert added_oos[0].intent == OUT_OF_SCOPE
    comparison = fresh.retrain(probes=["hey you", "order a taxi"])
    assert fresh.validation == validation
    assert len(fresh.runs) == 2
    assert fresh.runs[1].added == {
        "greet": ["yo [Anna](recipient)", "hey you"],
        OUT_OF_SCOPE: ["book me a flight"],
    }
    assert comparison.count == len(validation) + 2
    assert comparison.before_accuracy == fresh.runs[0].report.accuracy
    assert comparison.after_accuracy == fresh.runs[1].report.accuracy


def test_reload_rereads_the_files(tmp_path: Path, tiny_skill_path: Path) -> None:
    skill_file = tmp_path / "skill.yml"
    skill_file.write_text((tiny_skill_path / "skill.yml").read_text())
    wb = Workbench.open(skill_file, epochs=1)
    skill_file.write_text(
        skill_file.read_text().replace("      - bye bye\n", "      - bye bye\n      - cheerio\n")
    )
    assert "cheerio" in wb.reload().intents["goodbye"].examples
    built = Workbench(wb.skill, config=wb.config)
    with pytest.raises(ConfigError, match=r"Workbench\.open"):
        built.reload()


def test_nearest_examples(trained: Workbench) -> None:
    examples = trained.training_set()
    index = NearestExamples(trained.nlu, examples)
    probe = examples[0].text
    result = index.query([probe, "something else"], k=3)
    assert list(result) == [probe, "something else"]
    top = result[probe]
    assert len(top) == 3
    assert top[0].text == probe and top[0].similarity == pytest.approx(1.0, abs=1e-3)
    assert [n.similarity for n in top] == sorted((n.similarity for n in top), reverse=True)
    assert index.query([], k=3) == {}
