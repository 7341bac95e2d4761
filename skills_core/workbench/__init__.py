"""Notebook workbench: debug intents, evaluate, play dialogues and export, from Jupyter.

The logic lives here and is plain Python (view models in, view models out); the notebooks under
``notebooks/`` only call it. The ipywidgets front-ends are in :mod:`skills_core.workbench.widgets`
(needs the ``notebooks`` extra), imported separately so this package works without Jupyter.

Layering: the workbench imports ``runtime``, ``nlu``, ``dm`` and ``spec``; nothing imports it.

Usage::

    from skills_core.workbench import Workbench, intent_view
    wb = Workbench.open("bank_en", epochs=5)
    wb.train()
    view = intent_view(wb.parse("send 50 dollars to Anna"), threshold=wb.threshold)
"""

from skills_core.nlu.crossval import cross_validate_skill
from skills_core.nlu.report import plot_confidence_histogram, plot_confusion_matrix, plot_intent_f1
from skills_core.workbench.compare import Comparison, PredictionChange, compare
from skills_core.workbench.evaluation import (
    SplitEvaluation,
    benchmark_metrics,
    dataset_config,
    evaluate_split,
    write_evaluation,
)
from skills_core.workbench.export import (
    Command,
    StoredModel,
    bentoml_home,
    build_bento,
    commands_markdown,
    deployment_commands,
    stored_models,
)
from skills_core.workbench.neighbours import NearestExamples, embed
from skills_core.workbench.paths import project_root, resolve_path, resolve_skill
from skills_core.workbench.playground import (
    ChatSession,
    ReplayRow,
    ReplayView,
    TurnView,
    build_agent,
    conversation_cases,
    find_conversation_files,
    replay,
    turn_view,
)
from skills_core.workbench.session import Run, Workbench
from skills_core.workbench.views import (
    Decision,
    ErrorRow,
    IntentView,
    Neighbour,
    RankingBar,
    Segment,
    decision,
    error_filter_options,
    error_rows,
    intent_view,
    ranking_bars,
    segments,
)

__all__ = [
    "ChatSession",
    "Command",
    "Comparison",
    "Decision",
    "ErrorRow",
    "IntentView",
    "NearestExamples",
    "Neighbour",
    "PredictionChange",
    "RankingBar",
    "ReplayRow",
    "ReplayView",
    "Run",
    "Segment",
    "SplitEvaluation",
    "StoredModel",
    "TurnView",
    "Workbench",
    "benchmark_metrics",
    "bentoml_home",
    "build_agent",
    "build_bento",
    "commands_markdown",
    "compare",
    "conversation_cases",
    "cross_validate_skill",
    "dataset_config",
    "decision",
    "deployment_commands",
    "embed",
    "error_filter_options",
    "error_rows",
    "evaluate_split",
    "find_conversation_files",
    "intent_view",
    "plot_confidence_histogram",
    "plot_confusion_matrix",
    "plot_intent_f1",
    "project_root",
    "ranking_bars",
    "replay",
    "resolve_path",
    "resolve_skill",
    "segments",
    "stored_models",
    "turn_view",
    "write_evaluation",
]
