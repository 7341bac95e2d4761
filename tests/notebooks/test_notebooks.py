"""Every notebook runs top to bottom: with papermill and smoke parameters, and under nbval as committed.

The runs are subprocesses, two at a time (kernels start, import torch and train a tiny model: mostly
one core each), started together when the first test of this module needs one. Only the runs of the
selected tests are started. Each test then checks what its notebook showed or wrote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from nb_support import (
    CONVERSATIONS,
    NAMES,
    NOTEBOOKS,
    SMOKE,
    Job,
    Result,
    mime_count,
    nbval_job,
    outputs_text,
    papermill_job,
    run,
    write_tiny_snips,
)

WIDGET = "application/vnd.jupyter.widget-view+json"


def _jobs(workdir: Path) -> dict[str, Job]:
    snips = workdir / "datasets"
    sizes = write_tiny_snips(snips)
    (workdir / "snips_sizes.json").write_text(json.dumps(sizes))
    return {
        # the longest first, so the two workers finish together
        "nbval": nbval_job(workdir),
        "03_evaluation": papermill_job(
            "03_evaluation", {**SMOKE, "folds": 2, "out_dir": str(workdir / "eval-skill")}, workdir
        ),
        "02_intent_debugging": papermill_job("02_intent_debugging", SMOKE, workdir),
        "04_dialogue_playground": papermill_job(
            "04_dialogue_playground", {**SMOKE, "tests": [CONVERSATIONS], "use_nlu": False}, workdir
        ),
        "05_export": papermill_job("05_export", {**SMOKE, "build": False}, workdir),
        "01_quickstart": papermill_job("01_quickstart", SMOKE, workdir),
        "03_evaluation[snips]": papermill_job(
            "03_evaluation",
            {**SMOKE, "dataset": "snips", "data_dir": str(snips), "out_dir": str(workdir / "eval-snips")},
            workdir,
            label="03_evaluation-snips",
        ),
    }


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future]]:
    workdir = tmp_path_factory.mktemp("notebooks")
    jobs = _jobs(workdir)
    wanted = {
        item.callspec.params["job"]
        for item in request.session.items
        if item.path == request.path and hasattr(item, "callspec") and "job" in item.callspec.params
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {name: pool.submit(run, job) for name, job in jobs.items() if name in wanted}


def _ok(runs: dict[str, Future], job: str) -> Result:
    result: Result = runs[job].result()
    assert result.returncode == 0, f"{job} failed ({' '.join(result.job.command)}):\n{result.tail()}"
    return result


@pytest.mark.parametrize("job", ["01_quickstart"])
def test_quickstart_parses_and_chats(runs: dict[str, Future], job: str) -> None:
    result = _ok(runs, job)
    text = outputs_text(result.job.output)
    assert "tiny_bank (en)" in text
    assert re.search(r"'send 50 dollars to Anna'\s+-> transfer_money", text)
    assert "you> send 50 dollars to Anna" in text and "bot> Send $50.00 to Anna?" in text


@pytest.mark.parametrize("job", ["02_intent_debugging"])
def test_intent_debugging_shows_widgets_plots_and_a_retrain(runs: dict[str, Future], job: str) -> None:
    result = _ok(runs, job)
    text = outputs_text(result.job.output)
    assert "tiny_bank: " in text and "validation examples" in text
    assert mime_count(result.job.output, "image/png") == 3, "confusion matrix, per-intent F1, histogram"
    assert mime_count(result.job.output, WIDGET) >= 3, "debugger, errors table, retrain panel"
    assert re.search(r"validation accuracy \d\.\d{3} -> \d\.\d{3}; \d+ fixed, \d+ broken", text)


@pytest.mark.parametrize("job", ["03_evaluation"])
def test_evaluation_of_a_skill_writes_the_report(runs: dict[str, Future], job: str) -> None:
    result = _ok(runs, job)
    out = result.job.output.parent / "eval-skill"
    for name in ["report.json", "report.html", "errors.json", "summary.json", "confusion_matrix.png"]:
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["params"]["folds"] == 2 and summary["params"]["skill"] == SMOKE["skill"]
    assert summary["metrics"]["folds"] == 2 and 0 <= summary["metrics"]["accuracy_mean"] <= 100
    assert "per fold:" in outputs_text(result.job.output)


@pytest.mark.parametrize("job", ["03_evaluation[snips]"])
def test_evaluation_of_a_benchmark_dataset(runs: dict[str, Future], job: str) -> None:
    result = _ok(runs, job)
    workdir = result.job.output.parent
    summary = json.loads((workdir / "eval-snips" / "summary.json").read_text())
    assert summary["params"]["dataset"] == "snips" and summary["params"]["skill"] is None
    assert summary["sizes"] == json.loads((workdir / "snips_sizes.json").read_text())
    assert summary["metrics"]["count"] == summary["sizes"]["test"]
    assert summary["metrics"]["entity_f1"] is not None, "snips has slots: entity metrics are reported"


@pytest.mark.parametrize("job", ["04_dialogue_playground"])
def test_dialogue_playground_chats_and_replays(runs: dict[str, Future], job: str) -> None:
    result = _ok(runs, job)
    text = outputs_text(result.job.output)
    assert 'data-passed="true"' in text, "the first test conversation passes"
    assert 'data-passed="false"' in text and "diverges at turn 2" in text
    assert mime_count(result.job.output, WIDGET) >= 2, "chat widget and replay panel"


@pytest.mark.parametrize("job", ["05_export"])
def test_export_stores_the_model_and_shows_the_commands(runs: dict[str, Future], job: str) -> None:
    result = _ok(runs, job)
    text = outputs_text(result.job.output)
    tag = re.search(r"saved (skills-tiny_bank:\w+)", text)
    assert tag, text[-2000:]
    assert (result.job.bentoml_home / "models" / "skills-tiny_bank").is_dir()
    assert f"bentoml models export {tag.group(1)}" in text and "bentoml serve" in text
    assert "bentoml build" in text, "without a build, the commands say how to build"


@pytest.mark.parametrize("job", ["nbval"])
def test_nbval_runs_every_committed_notebook(runs: dict[str, Future], job: str) -> None:
    result = _ok(runs, job)
    for name in NAMES:
        # nbval names its items notebooks/<name>::ipynb::Cell <n> (older versions: <name>.ipynb::Cell <n>)
        assert re.search(rf"notebooks/{name}(::|\.)ipynb::Cell 0 PASSED", result.log), result.tail()
    code_cells = sum(
        1 for name in NAMES for cell in json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]
        if cell["cell_type"] == "code"
    )  # fmt: skip
    assert re.search(rf"\b{code_cells} passed\b", result.log), result.tail()
