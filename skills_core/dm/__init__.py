"""Dialogue management: ``(conversation, Parse) -> (events, replies)`` over an event-sourced state.

Imports only ``skills_core.spec`` and ``skills_core.errors``: the NLU is someone else's job.

Usage::

    dm = DialogueManager(skill, actions=registry)
    tracker = Tracker("session-1")
    result = dm.respond(tracker, parse)     # or dm.handle(tracker, parse) + tracker.extend(result.events)
    result.texts, result.replies[0].reason, result.state.slots
    saved = tracker.to_json(); Tracker.from_json(saved)    # same behaviour after a restore

State
    An append-only log of events (``events.py``, ``SCHEMA_VERSION``); slots, the flow stack, the current
    step, retries, the fallback streak and a pending clarification are derived by the pure reducer
    ``state.reduce``. Every reply is a ``bot_uttered`` event whose ``reason`` names the policy, flow and
    step that chose it.

Steps (``spec.flows``)
    ``collect`` asks ``prompt`` (default ``utter_ask_<slot>``) unless the slot is filled (``ask_always``
    asks anyway); values are coerced to the slot type and checked (min/max, pattern, values, a
    registered validator); a failed answer says the error (``validate.error``, ``utter_invalid_<slot>``
    or a default) and re-prompts with the next variation (or ``reprompt``); after ``max_retries`` failed
    answers ``on_failure`` (default ``settings.on_failure``) hands off, cancels or links to a flow.
    ``confirm`` waits for the affirm/deny intents, with its own re-prompts; ``on_no`` cancels, asks what
    to change, or jumps. ``branch`` jumps on slot conditions (money compares its amount). ``action`` runs
    a registered function in a worker thread bounded by ``timeout_s``; an exception, a timeout or a bad
    result becomes ``action_failed`` plus an apology, then ``on_error`` (default cancel). ``say`` renders
    a response (variation chosen deterministically per session and turn, ``{slot}`` formatted: money
    ``$50.00``, dates ``March 5, 2025``). ``link`` ends the flow and starts another, handing over the
    slots collected so far. When a flow ends its slots are cleared unless ``persist_slots``.

Slots from entities
    The slot's entity (``SlotDef.entity``, default the slot's name) fills it. When a flow starts, the
    triggering utterance fills every slot the flow collects ("send 50 dollars to Anna" skips both
    questions). While a flow waits, entities in *any* turn fill any of its empty slots, not only the one
    asked for. Without an entity, the whole utterance answers a text/categorical/any slot (unless the
    intent is affirm/deny/correct or has its own response), a bare number answers a number/money
    slot, and affirm/deny answer a ``bool`` slot.

Repair (precedence in ``repair.py``)
    * Handoff: the handoff intent (``settings.handoff_intent`` or a ``kind: handoff`` flow's intents)
      cancels every flow, emits ``handoff_requested`` for the host, then runs the handoff flow or says
      ``utter_handoff``. The same happens after ``max_fallbacks`` fallbacks in a row (the next
      misunderstanding hands off; ``settings.handoff_on_fallback``), after a step's retries when its
      ``on_failure`` is handoff, and after a failed action with ``on_error: handoff``. Off when the skill
      has neither the intent nor a handoff flow.
    * Cancel: the cancel intent ("never mind") cancels the top flow, says ``utter_cancelled`` (or runs a
      ``kind: cancel`` flow) and resumes the flow underneath, if any.
    * Digression: another flow's intent while a flow waits starts that flow on top; when it ends the
      interrupted flow resumes with ``utter_resume`` ("Let's get back to ...") and its pending question.
      ``kind: faq``/``chitchat`` flows answer and re-ask the pending question without that line. An
      intent with an ``utter_<intent>`` response and no flow (greet, thank) is answered the same way.
      Naming a flow lower on the stack brings it back (the flows above it are cancelled).
    * Correction: entities for slots of the active flow that are already filled, in any turn while it
      waits (with the correct intent, the flow's own intent, or any non-flow intent): the slot is
      updated (``source="correction"``, optional ``utter_corrected``) and the flow re-runs from that
      slot's question (never before an action that already ran), so branches see the new value and the
      confirm question is asked again. The correct intent without entities asks what to change.
    * Fallback: out-of-scope or unknown intents outside a flow say ``settings.fallback_response``; an
      unsure parse (NLU fallback low_confidence/ambiguous, or confidence below ``clarify_below``) asks
      ``utter_clarify`` naming the top two candidates (as buttons); a yes to a single candidate replays
      the earlier utterance as that intent. Inside a flow, a turn that is not understood is a failed
      answer to the waiting step (re-prompt, then ``on_failure``), so slots are never lost to a fallback.

Text analysis (``signals.py``)
    The host may record a ``text_analysed`` event after ``user_uttered`` (``handle(..., analysis=)``):
    the message's language and analyser labels, as plain data. A message in a language outside
    ``settings.languages`` is refused (``utter_language_unsupported``), handed off or handled, per
    ``settings.on_other_language``. A flow's ``triggers`` start it when an analyser label reaches its
    ``min_confidence`` (once per conversation), e.g. offering a person to an upset customer.

Built-in responses (``responses.DEFAULT_RESPONSES``) are used when the skill does not define them.
"""

from skills_core.dm.actions import ActionRegistry, ActionResult, BotMessage, StateView
from skills_core.dm.engine import DialogueManager, TurnResult
from skills_core.dm.events import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    ActionExecuted,
    ActionFailed,
    AnalyserLabel,
    BotUttered,
    Event,
    FallbackTriggered,
    FlowCancelled,
    FlowCompleted,
    FlowResumed,
    FlowStarted,
    HandoffRequested,
    PIIMark,
    Reason,
    SessionStarted,
    SlotSet,
    StepCompleted,
    StepStarted,
    TextAnalysed,
    UserUttered,
    ValidationFailed,
    dump_events,
    parse_events,
)
from skills_core.dm.responses import DEFAULT_RESPONSES, format_value
from skills_core.dm.state import DialogueState, Frame, Tracker, apply, reduce

__all__ = [
    "DEFAULT_RESPONSES",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "ActionExecuted",
    "ActionFailed",
    "ActionRegistry",
    "ActionResult",
    "AnalyserLabel",
    "BotMessage",
    "BotUttered",
    "DialogueManager",
    "DialogueState",
    "Event",
    "FallbackTriggered",
    "FlowCancelled",
    "FlowCompleted",
    "FlowResumed",
    "FlowStarted",
    "Frame",
    "HandoffRequested",
    "PIIMark",
    "Reason",
    "SessionStarted",
    "SlotSet",
    "StateView",
    "StepCompleted",
    "StepStarted",
    "TextAnalysed",
    "Tracker",
    "TurnResult",
    "UserUttered",
    "ValidationFailed",
    "apply",
    "dump_events",
    "format_value",
    "parse_events",
    "reduce",
]
