"""Loading skills: the tiny test skills, folder merging, YAML errors, file:line locations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from skills_core.errors import Problem, SpecError
from skills_core.spec.loader import load_skill, load_skill_text, skill_files

WriteFiles = Callable[[dict[str, str]], Path]
ProblemsOf = Callable[..., list[Problem]]


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(SpecError) as info:
        load_skill(path)
    return info.value.problems


@pytest.mark.parametrize(
    ("fixture", "name", "language", "intents"),
    [
        ("tiny_skill_path", "tiny_bank", "en", ["greet", "check_balance", "transfer_money", "goodbye"]),
        ("tiny_zh_path", "tiny_weather_zh", "zh", ["greet", "weather", "goodbye"]),
    ],
)
def test_tiny_skills_load_clean(
    request: pytest.FixtureRequest, fixture: str, name: str, language: str, intents: list[str]
) -> None:
    folder: Path = request.getfixturevalue(fixture)
    for path in (folder, folder / "skill.yml", str(folder)):
        skill = load_skill(path)
        assert (skill.name, skill.language, list(skill.intents)) == (name, language, intents)
        assert all(6 <= len(i.examples) <= 8 for i in skill.intents.values())


def test_tiny_skill_has_the_documented_shape(tiny_skill_path: Path) -> None:
    skill = load_skill(tiny_skill_path)
    assert len(skill.out_of_scope.examples) == 5
    assert skill.entities["amount"].type == "money"
    assert skill.entities["recipient"].values["Bob"] == ["bob", "bobby", "robert"]
    assert {n: s.type for n, s in skill.slots.items()} == {"amount": "money", "recipient": "text"}
    steps = skill.flows["transfer_money"].steps
    assert [type(s).__name__ for s in steps] == [
        "CollectStep",
        "CollectStep",
        "ConfirmStep",
        "ActionStep",
        "SayStep",
    ]


def test_folder_merges_files_recursively_in_sorted_order(write_files: WriteFiles) -> None:
    root = write_files(
        {
            "b_nlu/intents.yml": """
                intents:
                  greet:
                    examples: [good morning]
                  bye:
                    examples: [bye, see you]
                """,
            "a.yaml": """
                name: merged
                language: en
                intents:
                  greet:
                    description: Say hello
                    examples: [hi, hello]
                out_of_scope:
                  examples: [tell me a joke]
                """,
            "c.yml": """
                language: en
                out_of_scope:
                  examples: [order a pizza]
                responses:
                  utter_greet: [Hello!]
                """,
            "empty.yml": "",
            "notes.txt": "not: [yaml",
            ".hidden/broken.yml": "intents: [",
        }
    )
    assert [p.relative_to(root).as_posix() for p in skill_files(root)] == [
        "a.yaml",
        "b_nlu/intents.yml",
        "c.yml",
        "empty.yml",
    ]
    skill = load_skill(root)
    assert skill.name == "merged"
    assert skill.intents["greet"].examples == ["hi", "hello", "good morning"]
    assert skill.intents["greet"].description == "Say hello"
    assert list(skill.intents) == ["greet", "bye"]
    assert skill.out_of_scope.examples == ["tell me a joke", "order a pizza"]
    assert skill.responses["utter_greet"][0].text == "Hello!"


def test_tests_folders_hold_conversations_and_are_not_merged(write_files: WriteFiles) -> None:
    conversations = """
        conversations:
          - name: hello
            turns: [{user: hi, intent: greet}]
        """
    root = write_files(
        {
            "skill.yml": """
                name: with_tests
                language: en
                intents:
                  greet:
                    examples: [hi, hello]
                """,
            "tests/conversations.yml": conversations,
            "nlu/tests/more.yml": conversations,
            "nlu/extra.yml": "intents: {bye: {examples: [bye, see you]}}",
            "tests.yml": "responses: {utter_greet: [Hello!]}",
        }
    )
    files = [p.relative_to(root).as_posix() for p in skill_files(root)]
    assert files == ["nlu/extra.yml", "skill.yml", "tests.yml"]
    skill = load_skill(root)
    assert sorted(skill.intents) == ["bye", "greet"]
    assert list(skill.responses) == ["utter_greet"]
    # the folder given may itself be named tests: only subfolders are skipped
    assert skill_files(root / "tests") == [root / "tests" / "conversations.yml"]


def test_concatenated_examples_keep_their_own_file_and_line(write_files: WriteFiles) -> None:
    root = write_files(
        {
            "a.yml": "name: t\nintents:\n  greet:\n    examples: [hi, hello]\n",
            "b.yml": "intents:\n  greet:\n    examples:\n      - hey\n      - hey [you](person)\n",
        }
    )
    (problem,) = _problems(root)
    assert (Path(problem.file).name, problem.line, problem.path) == ("b.yml", 5, "intents.greet.examples.3")
    assert "unknown entity 'person'" in problem.found


@pytest.mark.parametrize(
    ("section", "a_body", "b_body", "kind"),
    [
        ("entities", "  city: {values: [Paris]}\n", "  city: {values: [Lyon]}\n", "entity"),
        ("slots", "  city: {type: text}\n", "  city: {type: text}\n", "slot"),
        ("responses", "  utter_hi: [Hi]\n", "  utter_hi: [Hello]\n", "response"),
        ("flows", "  f: {steps: [{say: a}]}\n", "  f: {steps: [{say: b}]}\n", "flow"),
    ],
)
def test_duplicate_definition_across_files_names_both_locations(
    write_files: WriteFiles, section: str, a_body: str, b_body: str, kind: str
) -> None:
    base = "name: t\nintents:\n  greet: {examples: [hi, hello]}\n"
    root = write_files({"a.yml": f"{base}{section}:\n{a_body}", "b.yml": f"\n{section}:\n{b_body}"})
    (problem,) = _problems(root)
    assert (Path(problem.file).name, problem.line) == ("b.yml", 3)
    name = a_body.split(":")[0].strip()
    assert problem.path == f"{section}.{name}"
    assert problem.expected == f"each {kind} defined once across the skill's files"
    assert f"{root / 'a.yml'}:5" in problem.found and f"{root / 'b.yml'}:3" in problem.found


def test_duplicate_intent_description_and_conflicting_settings_are_reported(write_files: WriteFiles) -> None:
    root = write_files(
        {
            "a.yml": "name: t\nintents:\n  greet: {description: Hello, examples: [hi, hello]}\n",
            "b.yml": "name: other\nintents:\n  greet: {description: Hi, examples: [hey]}\n",
        }
    )
    problems = _problems(root)
    assert [(p.path, p.line) for p in problems] == [("name", 1), ("intents.greet.description", 3)]
    assert "'t' at" in problems[0].found and "'other' at" in problems[0].found


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("name: t\nintents:\n  greet:\n    examples: [hi, hello\n", 5, "valid YAML"),
        ("name: t\nintents:\n  greet:\n    examples:\n      - [Anna](r) hi\n", 5, "quote an example"),
        ("name: t\nintents:\n\tgreet: {}\n", 3, "spaces, not tabs"),
        ("name: t\nname: u\n", 2, "each key once"),
        ("- a\n- b\n", 1, "a mapping at the top level"),
        ("just text\n", 1, "a mapping at the top level"),
    ],
)
def test_yaml_errors_are_located(problems_of: ProblemsOf, text: str, line: int, phrase: str) -> None:
    (problem,) = problems_of(text, filename="x.yml")
    assert (problem.file, problem.line) == ("x.yml", line)
    assert phrase in f"{problem.expected} | {problem.found} | {problem.fix}", problem.format()


def test_yaml_error_in_one_file_reports_every_unparsable_file_only(write_files: WriteFiles) -> None:
    root = write_files(
        {
            "a.yml": "name: t\nintents: {greet: {examples: [hi, hello]}}\nslots: {s: {type: nope}}\n",
            "b.yml": "intents:\n  bye: [\n",
            "c.yml": "responses:\n  utter_x: 'unclosed\n",
        }
    )
    problems = _problems(root)
    assert [Path(p.file).name for p in problems] == ["b.yml", "c.yml"]
    assert all(p.line is not None and p.expected.startswith("valid YAML") for p in problems)


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda root: root / "missing", "nothing at this path"),
        (lambda root: root, "a folder holding *.yml/*.yaml files"),
        (lambda root: root / "skill.json", "a .yml or .yaml file"),
    ],
)
def test_bad_paths_raise_spec_error(tmp_path: Path, make: Callable[[Path], Path], phrase: str) -> None:
    (tmp_path / "skill.json").write_text("{}", encoding="utf-8")
    (problem,) = _problems(make(tmp_path))
    assert phrase in problem.expected + problem.found


def test_non_utf8_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "skill.yml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    (problem,) = _problems(path)
    assert problem.expected == "a readable UTF-8 text file"


def test_load_skill_text_accepts_an_integer_version_and_names_the_file() -> None:
    skill = load_skill_text("version: 1\nname: t\nintents: {greet: {examples: [hi, hello]}}\n")
    assert skill.version == "1"
    with pytest.raises(SpecError) as info:
        load_skill_text("name: t\n", filename="inline.yml")
    assert info.value.problems[0].file == "inline.yml"
    assert "inline.yml:1" in str(info.value)


def test_lines_follow_comments_blank_lines_and_block_scalars(problems_of: ProblemsOf) -> None:
    text = (
        "# a comment\n"
        "name: t\n"
        "\n"
        "intents:\n"
        "  greet:\n"
        "    description: >\n"
        "      A folded\n"
        "      description.\n"
        "    examples:\n"
        "      - hi\n"
        "      # another comment\n"
        "\n"
        "      - hello [you](nobody)\n"
    )
    (problem,) = problems_of(text)
    assert (problem.line, problem.path) == (13, "intents.greet.examples.1")


def test_yaml_anchors_and_merge_keys_load(problems_of: ProblemsOf) -> None:
    skill = load_skill_text(
        "name: t\nintents:\n  greet: {examples: [hi, hello]}\n"
        "slots:\n  base: &base {type: text}\n  other:\n    <<: *base\n    initial: x\n"
    )
    assert skill.slots["other"].type == "text"
    assert skill.slots["other"].initial == "x"


def test_a_section_left_empty_is_an_empty_section() -> None:
    skill = load_skill_text(
        "name: t\nintents:\n  greet: {examples: [hi, hello]}\nslots:\nresponses:\nflows:\n"
    )
    assert (skill.slots, skill.responses, skill.flows) == ({}, {}, {})
