"""ipywidgets front-ends of the workbench (``pip install skills-core[notebooks]``).

Each widget is a thin shell: its handlers call the pure view functions in ``views``/``playground``
and put the rendered HTML into an ``HTML`` widget, so the same methods work from tests and code.
Display one by leaving it as a cell's last expression (or ``display(w)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from skills_core.dm.testing import ConversationCase
from skills_core.errors import SkillsError
from skills_core.runtime.agent import Agent
from skills_core.workbench.neighbours import NearestExamples
from skills_core.workbench.playground import ChatSession, replay
from skills_core.workbench.render import comparison_html, errors_html, esc, intent_view_html
from skills_core.workbench.render_dialogue import events_html, replay_html, state_html, transcript_html
from skills_core.workbench.session import Workbench
from skills_core.workbench.views import error_filter_options, error_rows, intent_view

ALL = "(all intents)"


def _error_html(error: Exception) -> str:
    return f'<div class="wb-error" style="color:#991b1b">{esc(type(error).__name__)}: {esc(str(error))}</div>'


class _Shell:
    """Shared display plumbing: ``widget`` is the root box."""

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


class IntentDebugger(_Shell):
    """Type an utterance: see the intent ranking, the out-of-scope decision and the entities."""

    def __init__(self, workbench: Workbench) -> None:
        self.workbench = workbench
        self.text = widgets.Text(
            placeholder="Type an utterance and press Enter",
            description="utterance",
            continuous_update=False,
            layout=widgets.Layout(width="60%"),
        )
        self.button = widgets.Button(description="Parse", button_style="primary")
        self.output = widgets.HTML()
        self.text.observe(lambda change: self.show(change["new"]), names="value")
        self.button.on_click(lambda _: self.show(self.text.value))
        self.widget = widgets.VBox([widgets.HBox([self.text, self.button]), self.output])
        self.widget.add_class("wb-intent-debugger")

    def show(self, text: str) -> str:
        """Parse ``text`` and show it; returns the HTML shown."""
        if not text.strip():
            self.output.value = ""
            return ""
        try:
            nlu = self.workbench.nlu
            view = intent_view(
                nlu.parse(text), threshold=nlu.meta.threshold, margin=nlu.meta.config.ambiguity_margin
            )
            self.output.value = intent_view_html(view)
        except SkillsError as e:
            self.output.value = _error_html(e)
        return self.output.value


class ErrorsTable(_Shell):
    """Misclassified validation utterances, filterable by intent, with their nearest training examples."""

    def __init__(self, workbench: Workbench, *, neighbours: int = 3) -> None:
        self.workbench = workbench
        self.neighbours = neighbours
        self.filter = widgets.Dropdown(description="intent", options=[ALL])
        self.output = widgets.HTML()
        self.filter.observe(lambda _: self._render(), names="value")
        self.widget = widgets.VBox([self.filter, self.output])
        self._index: tuple[int, NearestExamples] | None = None
        self.refresh()

    def refresh(self) -> str:
        """Re-read the latest run's errors (call after a retrain); returns the HTML shown."""
        try:
            options = [ALL, *error_filter_options(self.workbench.report)]
        except SkillsError as e:
            self.output.value = _error_html(e)
            return self.output.value
        current = self.filter.value if self.filter.value in options else ALL
        self.filter.options = options
        self.filter.value = current
        return self._render()

    def _nearest(self) -> NearestExamples:
        run = self.workbench.runs[-1]
        if self._index is None or self._index[0] != run.number:
            self._index = (run.number, NearestExamples(run.nlu, self.workbench.training_set()))
        return self._index[1]

    def _render(self) -> str:
        try:
            report = self.workbench.report
            intent = None if self.filter.value == ALL else self.filter.value
            texts = [r.text for r in error_rows(report, intent=intent)]
            nearest = self._nearest().query(texts, k=self.neighbours)
            self.output.value = errors_html(error_rows(report, intent=intent, nearest=nearest))
        except SkillsError as e:
            self.output.value = _error_html(e)
        return self.output.value


class RetrainPanel(_Shell):
    """Add examples to an intent (or reload the edited YAML), retrain, and see which predictions changed."""

    def __init__(
        self,
        workbench: Workbench,
        *,
        probes: Sequence[str] = (),
        on_retrained: Callable[[], object] | None = None,
    ) -> None:
        self.workbench = workbench
        self.on_retrained = on_retrained
        self.intent = widgets.Dropdown(description="intent", options=workbench.intents)
        self.examples = widgets.Textarea(
            placeholder="New training examples, one per line ([50 dollars](amount) marks an entity)",
            layout=widgets.Layout(width="60%", height="80px"),
        )
        self.probes = widgets.Textarea(
            value="\n".join(probes),
            placeholder="Utterances to compare as well (optional), one per line",
            layout=widgets.Layout(width="60%", height="60px"),
        )
        self.add = widgets.Button(description="Add & retrain", button_style="primary")
        self.reload = widgets.Button(description="Reload YAML & retrain")
        self.output = widgets.HTML()
        self.add.on_click(lambda _: self.add_and_retrain(self.intent.value, self.examples.value.splitlines()))
        self.reload.on_click(lambda _: self.reload_and_retrain())
        self.widget = widgets.VBox(
            [self.intent, self.examples, self.probes, widgets.HBox([self.add, self.reload]), self.output]
        )

    def _probe_texts(self) -> list[str]:
        return [t.strip() for t in self.probes.value.splitlines() if t.strip()]

    def add_and_retrain(self, intent: str, texts: list[str]) -> str:
        """Add ``texts`` to ``intent``, retrain and show the changed predictions; returns the HTML."""
        try:
            self.workbench.add_examples(intent, texts)
            self.output.value = comparison_html(self.workbench.retrain(probes=self._probe_texts()))
            self.examples.value = ""
        except SkillsError as e:
            self.output.value = _error_html(e)
            return self.output.value
        if self.on_retrained is not None:
            self.on_retrained()
        return self.output.value

    def reload_and_retrain(self) -> str:
        """Re-read the skill's files, retrain and show the changed predictions; returns the HTML."""
        try:
            self.workbench.reload()
            self.output.value = comparison_html(self.workbench.retrain(probes=self._probe_texts()))
        except SkillsError as e:
            self.output.value = _error_html(e)
            return self.output.value
        if self.on_retrained is not None:
            self.on_retrained()
        return self.output.value


class ChatWidget(_Shell):
    """Chat with the agent; after every turn see the transcript, slots, flow stack and event log."""

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        self.text = widgets.Text(
            placeholder="Say something and press Enter",
            continuous_update=False,
            layout=widgets.Layout(width="60%"),
        )
        self.send_button = widgets.Button(description="Send", button_style="primary")
        self.reset_button = widgets.Button(description="Reset")
        self.transcript = widgets.HTML(transcript_html([]))
        self.state = widgets.HTML(state_html(None))
        self.events = widgets.HTML()
        self.text.observe(lambda change: self._submit(change["new"]), names="value")
        self.send_button.on_click(lambda _: self._submit(self.text.value))
        self.reset_button.on_click(lambda _: self.reset())
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.text, self.send_button, self.reset_button]),
                widgets.HBox([self.transcript, self.state]),
                widgets.HTML("<b>event log</b>"),
                self.events,
            ]
        )

    def _submit(self, text: str) -> None:
        if text.strip():
            self.send(text)
            self.text.value = ""

    def send(self, text: str) -> None:
        """Run one turn and refresh every panel."""
        try:
            turn = self.session.send(text)
        except SkillsError as e:
            self.state.value = _error_html(e)
            return
        self.transcript.value = transcript_html(self.session.turns)
        self.state.value = state_html(turn)
        self.events.value = events_html(self.session.event_log())

    def reset(self) -> None:
        """Start a new conversation."""
        self.session.reset()
        self.transcript.value = transcript_html([])
        self.state.value = state_html(None)
        self.events.value = ""


class ReplayPanel(_Shell):
    """Pick a conversation test, replay it through the agent, and see where it diverges."""

    def __init__(self, agent: Agent, cases: Sequence[ConversationCase], *, use_nlu: bool = True) -> None:
        self.agent = agent
        self.cases = {f"{c.name} ({c.where})": c for c in cases}
        self.use_nlu = widgets.Checkbox(value=use_nlu, description="parse user text with the NLU")
        self.choice = widgets.Dropdown(description="test", options=list(self.cases))
        self.button = widgets.Button(description="Replay", button_style="primary")
        self.output = widgets.HTML("" if cases else "<em>no conversation tests loaded</em>")
        self.button.on_click(lambda _: self.replay(self.choice.value))
        self.widget = widgets.VBox([widgets.HBox([self.choice, self.button]), self.use_nlu, self.output])

    def replay(self, key: str | None) -> str:
        """Replay the chosen test; returns the HTML shown."""
        if key is None or key not in self.cases:
            return self.output.value
        try:
            self.output.value = replay_html(replay(self.agent, self.cases[key], use_nlu=self.use_nlu.value))
        except SkillsError as e:
            self.output.value = _error_html(e)
        return self.output.value
