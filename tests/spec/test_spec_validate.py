"""Every validation error path: reported once, at the right file and line, with expected/found/fix.

Each case is a small skill; the offending line carries a ``# <-`` marker, and the case names the
JSON path of the problem and a phrase its message must contain.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

import pytest

from skills_core.errors import Problem
from skills_core.spec.loader import load_skill_text
from skills_core.spec.models import Skill
from skills_core.spec.validate import validate_skill

BASE_INTENTS = """\
intents:
  greet:
    examples: [hi, hello]
  bye:
    examples: [bye, see you]
"""

FLOW_BASE = textwrap.indent(
    "slots:\n  amount: {type: money}\nresponses:\n  utter_ask_amount: [How much?]\n", " " * 8
)


def _skill(body: str) -> str:
    body = textwrap.dedent(body)
    head = "name: t\n" + ("" if re.search(r"^intents:", body, re.MULTILINE) else BASE_INTENTS)
    return head + body


def _marked_line(text: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if "# <-" in line]
    assert len(lines) == 1, "a case marks exactly one line"
    return lines[0]


CASES: list[tuple[str, str, str, str]] = [
    # (id, yaml body, problem path, phrase in expected/found/fix)
    (
        "unknown_entity_in_annotation",
        """
        intents:
          buy:
            examples:
              - buy [a car](vehicle)  # <-
              - buy something
        """,
        "intents.buy.examples.0",
        "unknown entity 'vehicle'",
    ),
    (
        "duplicate_example_across_intents",
        """
        intents:
          greet:
            examples: [hi, hello]
          bye:
            examples:
              - bye
              - Hello  # <-
        """,
        "intents.bye.examples.1",
        "keep it in either 'greet' or 'bye'",
    ),
    (
        "duplicate_example_within_intent",
        """
        intents:
          greet:
            examples:
              - hi there
              - hello
              - hi  there  # <-
        """,
        "intents.greet.examples.2",
        "delete the repeat",
    ),
    (
        "duplicate_example_in_out_of_scope",
        """
        out_of_scope:
          examples:
            - tell me a joke
            - hi  # <-
        """,
        "out_of_scope.examples.1",
        "first in 'greet'",
    ),
    (
        "too_few_examples",
        """
        intents:
          greet:
            examples: [hi, hello]
          lonely:
            examples: [just one]  # <-
        """,
        "intents.lonely.examples",
        "at least 2 examples per intent (the default minimum)",
    ),
    ("unknown_top_level_key", "nmae: x  # <-\n", "nmae", "rename 'nmae' to 'name'"),
    (
        "reserved_intent_name",
        """
        intents:
          greet:
            examples: [hi, hello]
          out_of_scope:  # <-
            examples: [weather, jokes]
        """,
        "intents.out_of_scope",
        "top-level section",
    ),
    (
        "annotation_syntax_error",
        """
        intents:
          buy:
            examples:
              - buy [a car(vehicle)  # <-
              - buy something
        """,
        "intents.buy.examples.0",
        "stray '['",
    ),
    (
        "annotation_bad_json",
        """
        intents:
          buy:
            examples:
              - 'buy [a car]{entity: vehicle}'  # <-
              - buy something
        """,
        "intents.buy.examples.0",
        "JSON like",
    ),
    (
        "example_is_a_number",
        """
        intents:
          count:
            examples:
              - 42  # <-
              - forty two
        """,
        "intents.count.examples.0",
        "quote the value: '42'",
    ),
    (
        "empty_example",
        """
        intents:
          greet:
            examples:
              - hi
              - hello
              - "  "  # <-
        """,
        "intents.greet.examples.2",
        "non-empty example",
    ),
    (
        "bad_regex",
        """
        entities:
          account:
            regex:
              - "[0-9"  # <-
        """,
        "entities.account.regex.0",
        "valid Python regular expression",
    ),
    (
        "synonym_under_two_values",
        """
        entities:
          city:
            values:
              Paris: [paname]
              Lyon: [Paname]  # <-
        """,
        "entities.city.values.Lyon",
        "'Paname' under both 'Paris' and 'Lyon'",
    ),
    (
        "entity_unknown_type",
        """
        entities:
          when:
            type: date  # <-
        """,
        "entities.when.type",
        "did you mean 'datetime'?",
    ),
    (
        "slot_unknown_type",
        """
        slots:
          amount:
            type: mony  # <-
        """,
        "slots.amount.type",
        "did you mean 'money'?",
    ),
    (
        "slot_unknown_entity",
        """
        entities:
          city: {values: [Paris]}
        slots:
          town:
            entity: cty  # <-
        """,
        "slots.town.entity",
        "did you mean 'city'?",
    ),
    (
        "categorical_slot_without_values",
        """
        slots:
          size:  # <-
            type: categorical
        """,
        "slots.size",
        "add 'values: [a, b, ...]'",
    ),
    (
        "values_on_text_slot",
        """
        slots:
          size:
            values: [s, m]  # <-
        """,
        "slots.size.values",
        "set 'type: categorical'",
    ),
    (
        "placeholder_unknown_slot",
        """
        slots:
          amount: {type: money}
        responses:
          utter_done:
            - Sent {amount} to {recipient}.  # <-
        """,
        "responses.utter_done.0",
        "unknown slot 'recipient'",
    ),
    (
        "placeholder_unbalanced_brace",
        """
        responses:
          utter_done:
            - "Sent {amount"  # <-
        """,
        "responses.utter_done.0",
        "balanced braces",
    ),
    (
        "response_without_variants",
        """
        responses:
          utter_done: []  # <-
        """,
        "responses.utter_done",
        "at least one variant",
    ),
    (
        "unknown_key_with_suggestion",
        """
        intents:
          greet:
            examples: [hi, hello]
            exmaples: [hey]  # <-
        """,
        "intents.greet.exmaples",
        "rename 'exmaples' to 'examples'",
    ),
    (
        "wrong_type",
        """
        intents:
          greet:
            examples: hi  # <-
        """,
        "intents.greet.examples",
        "a valid list",
    ),
    ("wrong_version", "version: 2  # <-\n", "version", "one of '1'"),
    (
        "flow_unknown_intent",
        FLOW_BASE
        + """
        flows:
          pay:
            intents: [gret]  # <-
            steps: [{collect: amount}]
        """,
        "flows.pay.intents.0",
        "did you mean 'greet'?",
    ),
    (
        "flow_intent_in_two_flows",
        FLOW_BASE
        + """
        flows:
          pay:
            intents: [greet]
            steps: [{collect: amount}]
          hello:
            intents: [greet]  # <-
            steps: [{say: hi}]
        """,
        "flows.hello.intents.0",
        "starts both 'pay' and 'hello'",
    ),
    (
        "flow_collect_unknown_slot",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amont  # <-
        """,
        "flows.pay.steps.0.collect",
        "did you mean 'amount'?",
    ),
    (
        "flow_unknown_prompt_response",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amount
                prompt: utter_ask_amout  # <-
        """,
        "flows.pay.steps.0.prompt",
        "unknown response 'utter_ask_amout'",
    ),
    (
        "flow_say_unknown_response",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - say: utter_done  # <-
        """,
        "flows.pay.steps.0.say",
        "unknown response 'utter_done'",
    ),
    (
        "flow_inline_text_unknown_slot",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - confirm: Send {amount} to {who}?  # <-
        """,
        "flows.pay.steps.0.confirm",
        "unknown slot 'who'",
    ),
    (
        "flow_branch_unknown_step",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amount
              - branch:
                  - when: {slot: amount, gt: 100}
                    goto: big  # <-
              - id: small
                say: ok
        """,
        "flows.pay.steps.1.branch.0.goto",
        "a step id of this flow (small)",
    ),
    (
        "flow_branch_unknown_linked_flow",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - branch:
                  - when: {slot: amount, set: true}
                    goto: flow:big  # <-
        """,
        "flows.pay.steps.0.branch.0.goto",
        "unknown flow 'big'",
    ),
    (
        "flow_branch_else_unknown_step",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - branch:
                  - when: {slot: amount, set: true}
                    goto: end
                else: nowhere  # <-
        """,
        "flows.pay.steps.0.else",
        "unknown target 'nowhere'",
    ),
    (
        "flow_condition_unknown_slot",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - branch:
                  - when:
                      - {slot: amount, gt: 1}
                      - {slot: balance, lt: 5}  # <-
                    goto: end
        """,
        "flows.pay.steps.0.branch.0.when.1.slot",
        "unknown slot 'balance'",
    ),
    (
        "flow_condition_wrong_type",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - branch:
                  - when: {slot: amount, in: 3}  # <-
                    goto: end
        """,
        "flows.pay.steps.0.branch.0.when.in",
        "a valid list",
    ),
    (
        "flow_confirm_on_no_unknown_step",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - id: ask
                collect: amount
              - confirm: Sure?
                on_no: ask_agian  # <-
        """,
        "flows.pay.steps.1.on_no",
        "did you mean 'ask_change'?",
    ),
    (
        "flow_confirm_unknown_slot",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - confirm: Sure?
                slot: agreed  # <-
        """,
        "flows.pay.steps.0.slot",
        "unknown slot 'agreed'",
    ),
    (
        "flow_collect_on_failure_unknown_flow",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amount
                on_failure: helpdesk  # <-
        """,
        "flows.pay.steps.0.on_failure",
        "'handoff', 'cancel' or a flow name",
    ),
    (
        "flow_action_on_error_unknown_step",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - action: do_pay
                on_error: retyr  # <-
        """,
        "flows.pay.steps.0.on_error",
        "unknown target 'retyr'",
    ),
    (
        "flow_reprompt_unknown_response",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amount
                reprompt: utter_ask_amount_again  # <-
        """,
        "flows.pay.steps.0.reprompt",
        "unknown response 'utter_ask_amount_again'",
    ),
    (
        "flow_link_unknown_flow",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - link: pya  # <-
        """,
        "flows.pay.steps.0.link",
        "did you mean 'pay'?",
    ),
    (
        "flow_duplicate_step_id",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - id: a
                collect: amount
              - id: a  # <-
                say: ok
        """,
        "flows.pay.steps.1.id",
        "step ids unique",
    ),
    (
        "flow_bad_validation_pattern",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amount
                validate:
                  pattern: "(\\\\d+"  # <-
        """,
        "flows.pay.steps.0.validate.pattern",
        "valid Python regular expression",
    ),
    (
        "flow_validation_error_unknown_response",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amount
                validate:
                  min: 1
                  error: utter_too_small  # <-
        """,
        "flows.pay.steps.0.validate.error",
        "unknown response 'utter_too_small'",
    ),
    (
        "flow_step_without_kind",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - prompt: utter_ask_amount  # <-
        """,
        "flows.pay.steps.0",
        "exactly one of the keys collect, confirm",
    ),
    (
        "flow_step_unknown_key",
        FLOW_BASE
        + """
        flows:
          pay:
            steps:
              - collect: amount
                promt: utter_ask_amount  # <-
        """,
        "flows.pay.steps.0.promt",
        "rename 'promt' to 'prompt'",
    ),
    (
        "flow_without_steps",
        FLOW_BASE
        + """
        flows:
          pay:  # <-
            intents: [greet]
        """,
        "flows.pay",
        "a 'steps' key under flows.pay",
    ),
]


@pytest.mark.parametrize(("body", "path", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_is_reported_once_at_its_line(
    problems_of: Callable[..., list[Problem]], body: str, path: str, phrase: str
) -> None:
    text = _skill(body)
    problems = problems_of(text, filename="bank.yml")
    assert len(problems) == 1, "\n".join(p.format() for p in problems)
    (problem,) = problems
    assert (problem.file, problem.line, problem.path) == ("bank.yml", _marked_line(text), path)
    assert phrase in f"{problem.expected} | {problem.found} | {problem.fix}", problem.format()
    assert problem.expected and problem.found and problem.fix
    assert problem.format().startswith(f"bank.yml:{problem.line}")


def test_missing_name_is_located_at_the_top(problems_of: Callable[..., list[Problem]]) -> None:
    (problem,) = problems_of("version: '1'\nintents: {a: {examples: [x, y]}}\n")
    assert (problem.line, problem.path) == (1, "")
    assert problem.expected == "a 'name' key under the top level"


def test_empty_skill_reports_missing_intents(problems_of: Callable[..., list[Problem]]) -> None:
    (problem,) = problems_of("name: empty\n")
    assert problem.found == "no intents"
    assert "intents:" in problem.fix


def test_min_examples_is_configurable(problems_of: Callable[..., list[Problem]]) -> None:
    (problem,) = problems_of(_skill("\nintents: {greet: {examples: [hi, hello]}}\n"), min_examples=3)
    assert problem.expected == "at least 3 examples per intent"
    load_skill_text(_skill("\nintents: {greet: {examples: [hi]}}\n"), min_examples=1)


def test_every_problem_is_reported_at_once_in_line_order(problems_of: Callable[..., list[Problem]]) -> None:
    text = _skill(
        """
        entities:
          account: {regex: "[0-9"}
        slots:
          size: {type: categorical}
          kind: {type: nope}
        responses:
          utter_x: ["{missing}"]
        flows:
          f:
            intents: [unknown]
            steps: [{link: nowhere}]
        """
    )
    problems = problems_of(text)
    assert [p.path for p in problems] == [
        "entities.account.regex.0",
        "slots.size",
        "slots.kind.type",
        "responses.utter_x.0",
        "flows.f.intents.0",
        "flows.f.steps.0.link",
    ]
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_references_to_items_that_failed_the_schema_are_not_reported_twice(
    problems_of: Callable[..., list[Problem]],
) -> None:
    text = _skill(
        """
        slots:
          amount: {type: mony}
        responses:
          utter_ok: ["{amount} sent"]
        flows:
          pay:
            steps: [{collect: amount}]
        """
    )
    assert [p.path for p in problems_of(text)] == ["slots.amount.type"]


def test_validate_skill_without_source_map_has_no_lines() -> None:
    skill = Skill.model_validate({"name": "t", "intents": {"a": {"examples": ["x [y](z)", "w"]}}})
    (problem,) = validate_skill(skill)
    assert (problem.file, problem.line, problem.path) == ("<skill>", None, "intents.a.examples.0")
    fixed = Skill.model_validate({**skill.model_dump(), "entities": {"z": {}}})
    assert validate_skill(fixed) == []


def test_every_kind_of_valid_reference_is_accepted() -> None:
    text = _skill(
        """
        slots:
          amount: {type: money}
          ok: {type: bool}
          size: {type: categorical, values: [s, m]}
        responses:
          utter_ask_amount: ["How much? (you have {amount})"]
          utter_sure: ["Send {amount}? {{literally}}"]
        flows:
          pay:
            intents: [greet]
            steps:
              - id: ask
                collect: amount
                prompt: utter_ask_amount
                reprompt: Please give an amount.
                on_failure: help
                validate: {min: 1, pattern: "\\\\d+", error: "Too small: {amount}"}
              - branch:
                  - when: [{slot: amount, gt: 100}, {slot: size, eq: m}]
                    goto: flow:help
                  - when: {slot: amount, set: true}
                    goto: sure
                else: end
              - id: sure
                confirm: utter_sure
                slot: ok
                on_no: ask
              - action: do_pay
                on_error: continue
              - say: Sent {amount}.
          help:
            intents: [bye]
            steps:
              - link: flow:pay
        """
    )
    skill = load_skill_text(text)
    assert list(skill.flows) == ["pay", "help"]


BUILTIN_OVERRIDES = """
    slots:
      amount: {type: money}
    responses:
      utter_clarify: ["您是想{options}吗？"]
      utter_resume: ["我们继续{flow_label}。"]
      utter_cancelled: ["Stopped {flow_label}."]
      utter_step_failed: ["Sorry, I stopped {flow_label}."]
      utter_invalid: ["{value} is not valid for {slot_label}: it should be {expected}."]
      utter_invalid_amount: ["{value} won't do, {expected} please."]
      utter_ask: ["What is the {slot_label}?"]
      utter_ask_amount: ["How much ({slot_label})?"]
      utter_corrected: ["Changed {slot_label} to {value}."]
      utter_amount_limits: ["{value} is not {expected}."]
      utter_amount_again: ["The {slot_label}, please?"]
    flows:
      pay:
        intents: [greet]
        steps:
          - collect: amount
            reprompt: utter_amount_again
            validate: {min: 1, error: utter_amount_limits}
          - collect: amount
            prompt: "Inline {slot_label}?"
            validate: {max: 9, error: "{value} is over {expected}"}
"""


def test_builtin_responses_may_use_the_variables_the_dm_passes() -> None:
    skill = load_skill_text(_skill(BUILTIN_OVERRIDES))
    assert "utter_clarify" in skill.responses


@pytest.mark.parametrize(
    ("response", "text", "unknown"),
    [
        ("utter_greet", "Hi {options}", "options"),  # a skill response gets no built-in variables
        ("utter_clarify", "Did you mean {flow_label}?", "flow_label"),  # only its own variables
        ("utter_resume", "Back to {slot_label}", "slot_label"),
        ("utter_ask_amount", "{expected}?", "expected"),
    ],
)
def test_variables_are_accepted_only_where_they_are_passed(
    problems_of: Callable[..., list[Problem]], response: str, text: str, unknown: str
) -> None:
    body = f"slots:\n  amount: {{type: money}}\nresponses:\n  {response}: [{text!r}]\n"
    (problem,) = problems_of(_skill(body))
    assert problem.path == f"responses.{response}.0"
    assert f"unknown slot '{unknown}'" in problem.found


def test_the_table_covers_every_variable_of_the_dm_defaults() -> None:
    from skills_core.dm.responses import DEFAULT_RESPONSES
    from skills_core.spec.variables import BUILTIN_VARIABLES

    for name, texts in DEFAULT_RESPONSES.items():
        used = {m for text in texts for m in re.findall(r"\{(\w+)\}", text)}
        assert used <= BUILTIN_VARIABLES.get(name, frozenset()), name
