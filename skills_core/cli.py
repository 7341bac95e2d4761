"""The ``skills`` command line: one function per command, each a thin call into the library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from skills_core.errors import ConfigError, SkillsError, SpecError
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill
from skills_core.spec.validate import DEFAULT_MIN_EXAMPLES

app = typer.Typer(
    name="skills",
    help="Task-oriented dialogue: skills in YAML, transformer NLU, flow-based dialogue, serving.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Skills: build, check and serve task-oriented dialogue bots."""


@app.command()
def validate(
    path: Annotated[
        str, typer.Argument(help="A skill file or folder, or a bundled skill name (bank_en, bank_zh).")
    ],
    min_examples: Annotated[
        int, typer.Option("--min-examples", min=1, help="Fewest examples an intent may have.")
    ] = DEFAULT_MIN_EXAMPLES,
) -> None:
    """Check a skill: print a summary, or every problem (file:line first) and exit 1."""
    try:
        skill = load_skill(_skill_location(path), min_examples=min_examples)
    except SpecError as e:
        for problem in e.problems:
            typer.echo(problem.format(), err=True)
        count = len(e.problems)
        typer.echo(f"FAILED: {count} problem{'s' if count != 1 else ''} in {path}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"OK: {skill.name} ({summary(skill)})")


def _skill_location(ref: str) -> Path:
    """An existing path as it is, else the bundled skill of that name, else the path (reported missing)."""
    path = Path(ref)
    if path.exists():
        return path
    from skills_core.runtime.skills import resolve_skill_path  # imports the NLU: only when needed

    try:
        return resolve_skill_path(ref)
    except ConfigError:
        return path  # load_skill reports the missing path like any other problem


def summary(skill: Skill) -> str:
    """A one-line count of what a skill defines, e.g. ``4 intents, 27 examples, ...``."""
    counts = {
        "intent": len(skill.intents),
        "example": sum(len(i.examples) for i in skill.intents.values()),
        "out-of-scope example": len(skill.out_of_scope.examples),
        "entity": len(skill.entities),
        "slot": len(skill.slots),
        "response": len(skill.responses),
        "flow": len(skill.flows),
    }
    return ", ".join(f"{n} {_plural(word, n)}" for word, n in counts.items())


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


Mode = Annotated[
    str | None, typer.Option("--mode", help="fast (frozen encoder) or finetune (whole encoder).")
]
Epochs = Annotated[int | None, typer.Option("--epochs", min=1, help="Upper bound on training epochs.")]
Encoder = Annotated[
    str | None, typer.Option("--encoder", help="'char', a local Hugging Face model directory, or 'auto'.")
]
SkillRef = Annotated[str, typer.Argument(help="A skill path, or a bundled skill name (bank_en, bank_zh).")]


def _fail(error: SkillsError) -> NoReturn:
    if isinstance(error, SpecError):
        for problem in error.problems:
            typer.echo(problem.format(), err=True)
        typer.echo(f"FAILED: {len(error.problems)} problem(s) in the skill", err=True)
    else:
        typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code=1)


@app.command()
def train(
    skill: SkillRef,
    mode: Mode = None,
    epochs: Epochs = None,
    encoder: Encoder = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also save the artifact here.")
    ] = None,
) -> None:
    """Train the skill's NLU and save it to the BentoML model store (prints the tag)."""
    from skills_core.nlu.train import config_for
    from skills_core.runtime.skills import open_skill, train_and_store

    try:
        spec = open_skill(skill)
        config = config_for(spec, mode=mode, epochs=epochs, encoder=encoder, seed=seed)
        nlu, summary, tag = train_and_store(spec, config=config)
        if output is not None:
            nlu.save(output)
    except SkillsError as e:
        _fail(e)
    val = summary.validation
    typer.echo(
        f"trained {spec.name} ({summary.mode}, {summary.encoder}) on {summary.examples} examples in "
        f"{summary.seconds:.1f}s: {summary.epochs_run} epochs (best {summary.best_epoch}); validation "
        f"intent accuracy {val.get('intent_accuracy', float('nan')):.3f}, entity F1 "
        f"{val.get('entity_f1', float('nan')):.3f}; out-of-scope threshold {summary.threshold:.3f}"
    )
    typer.echo(f"saved: {tag}" + (f" and {output}" if output else ""))


@app.command()
def evaluate(
    skill: SkillRef,
    folds: Annotated[int, typer.Option("--folds", min=2, help="k for k-fold cross-validation.")] = 5,
    test: Annotated[
        Path | None, typer.Option("--test", help="A held-out skill file: evaluate on it instead of k folds.")
    ] = None,
    report: Annotated[Path, typer.Option("--report", help="Folder for report.json, plots and HTML.")] = Path(
        "reports"
    ),
    mode: Mode = None,
    epochs: Epochs = None,
    encoder: Encoder = None,
) -> None:
    """Cross-validate the skill's NLU (or score it on --test) and write a JSON + PNG + HTML report."""
    from skills_core.nlu.crossval import cross_validate_skill
    from skills_core.nlu.evaluate import evaluate as score
    from skills_core.nlu.report import write_report
    from skills_core.nlu.train import config_for
    from skills_core.runtime.skills import ensure_model, open_skill
    from skills_core.spec.dataset import training_examples

    try:
        spec = open_skill(skill)
        config = config_for(spec, mode=mode, epochs=epochs, encoder=encoder, progress=False)
        if test is not None:
            held_out = training_examples(open_skill(test))
            nlu = ensure_model(spec)
            result = score(
                held_out, nlu.parse_batch([ex.text for ex in held_out]), threshold=nlu.meta.threshold
            )
        else:
            result = cross_validate_skill(spec, config=config, folds=folds)
        files = write_report(result, report)
    except SkillsError as e:
        _fail(e)
    for key, value in result.summary().items():
        typer.echo(f"{key:>24}: {value:.4f}" if isinstance(value, float) else f"{key:>24}: {value}")
    typer.echo(f"report: {', '.join(str(f) for f in files)}")


@app.command()
def chat(
    skill: SkillRef = "bank_en",
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the parse, slots and active flow each turn.")
    ] = False,
    session: Annotated[str, typer.Option("--session", help="Session id.")] = "cli",
    retrain: Annotated[bool, typer.Option("--retrain", help="Train a new model first.")] = False,
) -> None:
    """Chat with a skill in the terminal (trains it first if no model exists). /reset, /quit."""
    from skills_core.runtime.agent import Agent

    try:
        agent = Agent.from_skill(skill, retrain=retrain)
    except SkillsError as e:
        _fail(e)
    typer.echo(
        f"Chatting with {agent.skill.name} (model {agent.nlu.version}). /reset starts over, /quit ends."
    )
    interactive = sys.stdin.isatty()
    while True:
        try:
            text = input("you> " if interactive else "")
        except EOFError:
            break
        if text.strip() in ("/quit", "/exit"):
            break
        if text.strip() == "/reset":
            agent.reset(session)
            typer.echo("(new conversation)")
            continue
        if not interactive:
            typer.echo(f"you> {text}")
        turn = agent.handle(session, text)
        for reply in turn.replies:
            buttons = f"  [{' | '.join(reply.buttons)}]" if reply.buttons else ""
            typer.echo(f"bot> {reply.text}{buttons}")
        if debug:
            p = turn.parse
            ents = ", ".join(f"{e.entity}={e.value!r}" for e in p.entities) or "-"
            why = f" (fallback: {p.fallback.detail})" if p.fallback else ""
            typer.echo(f"  intent: {p.intent} {p.confidence:.3f}{why}")
            typer.echo(f"  entities: {ents}")
            typer.echo(f"  slots: {turn.state['slots']}  flow: {turn.state['active_flow']}")


@app.command(name="test")
def test_conversations(
    skill: SkillRef,
    tests: Annotated[
        list[Path] | None,
        typer.Option("--tests", help="Conversation test files (default: <skill>/tests/*.yml)."),
    ] = None,
    nlu_free: Annotated[
        bool, typer.Option("--no-nlu", help="NLU-independent: only turns given as intents + entities.")
    ] = False,
) -> None:
    """Run conversation tests against a skill and print a readable diff for each failure."""
    from skills_core.dm.testing import load_conversations, run_conversations, summarize
    from skills_core.runtime.agent import Agent
    from skills_core.runtime.skills import resolve_skill_path

    try:
        path = resolve_skill_path(skill)
        folder = path if path.is_dir() else path.parent
        files = tests or sorted([*folder.glob("tests/*.yml"), *folder.glob("tests/*.yaml")])
        if not files:
            typer.echo(f"error: no conversation tests given and none under {folder / 'tests'}", err=True)
            raise typer.Exit(code=1)
        cases = [case for f in files for case in load_conversations(f)]
        agent = Agent.from_skill(path)
        results = run_conversations(
            cases,
            agent.dm,
            parse=None if nlu_free else agent.nlu.parse,
            analyse=None if nlu_free else agent.text_analysed,
        )
    except SkillsError as e:
        _fail(e)
    typer.echo(summarize(results))
    if any(not r.passed for r in results):
        raise typer.Exit(code=1)


def serve_command(*, host: str, port: int, cwd: Path | None = None) -> list[str]:
    """``bentoml serve`` of the Skills service: the root ``service.py`` when run from the repo, else the package."""
    here = (cwd or Path.cwd()) / "service.py"
    target = "service:SkillsService" if here.is_file() else "skills_core.serving.service:SkillsService"
    return [sys.executable, "-m", "bentoml", "serve", target, "--host", host, "--port", str(port)]


@app.command()
def serve(
    skill: SkillRef = "bank_en",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="HTTP port.")] = 3000,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; 0.0.0.0 for every interface.")
    ] = "127.0.0.1",
    store: Annotated[
        str, typer.Option("--store", help="Session store URL: memory:// or redis://host:6379/0.")
    ] = "memory://",
    workers: Annotated[int, typer.Option("--workers", min=1, help="BentoML worker processes.")] = 1,
    model: Annotated[
        str | None, typer.Option("--model", help="Model tag to serve (default: the skill's stored model).")
    ] = None,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train a new model first.")] = False,
) -> None:
    """Serve a skill over HTTP with BentoML (trains it first when no stored model matches the skill).

    Other settings (tokens, limits, batching, device) come from SKILLS_* variables; see the README.
    """
    import os
    import subprocess

    from skills_core.runtime.skills import find_model, resolve_skill_path, train_and_store

    try:
        path = resolve_skill_path(skill)
        spec = load_skill(path)
        tag = model or (None if retrain else find_model(spec))
        if tag is None:
            typer.echo(f"no stored model matches skill {spec.name}: training one first")
            _, _, tag = train_and_store(spec)
    except SkillsError as e:
        _fail(e)
    env = {
        **os.environ,
        "SKILLS_SKILL": str(path.resolve()),
        "SKILLS_MODEL": tag,
        "SKILLS_STORE_URL": store,
        "SKILLS_WORKERS": str(workers),
    }
    typer.echo(f"serving {spec.name} with model {tag} on http://{host}:{port} (store {store.split('?')[0]})")
    process = subprocess.Popen(serve_command(host=host, port=port), env=env)
    try:
        code = process.wait()
    except KeyboardInterrupt:  # the server got the Ctrl-C too: let it shut down cleanly
        code = process.wait()
    raise typer.Exit(code=code)


def main() -> None:
    """Entry point of the ``skills`` script."""
    app()


if __name__ == "__main__":
    main()
