"""Rules over the whole file: duplicates, conflicts, size, mixed formats, label balance, DPO."""

from __future__ import annotations

from tests.dataset.helpers import chat, jsonl, lines_of, lint_bytes, many_chats


def test_exact_duplicates_name_the_first_occurrence() -> None:
    records = many_chats(12)
    dup = records[2]
    report = lint_bytes(jsonl(*records, dup, dup))
    dups = [f for f in report.findings if f.rule == "dataset.duplicate"]
    assert [f.line for f in dups] == [13, 14]
    assert all("line 3" in f.message for f in dups)


def test_key_order_does_not_hide_a_duplicate() -> None:
    a = '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}'
    b = '{"messages": [{"content": "q", "role": "user"}, {"content": "a", "role": "assistant"}]}'
    report = lint_bytes(jsonl(a, b, *many_chats(10)))
    assert lines_of(report, "dataset.duplicate") == [2]


def test_same_prompt_with_conflicting_completions() -> None:
    records = [*many_chats(12), chat("Question number 3?", "Something else.")]
    report = lint_bytes(jsonl(*records))
    assert lines_of(report, "dataset.conflict") == [4, 13]


def test_too_few_and_few_examples() -> None:
    assert "dataset.too_few" in {f.rule for f in lint_bytes(jsonl(*many_chats(9))).findings}
    small = lint_bytes(jsonl(*many_chats(30)))
    assert {f.rule for f in small.findings} == {"dataset.small"}
    assert small.errors == 0


def test_mixed_formats_are_flagged() -> None:
    legacy = {"prompt": "p ->", "completion": " c\n"}
    report = lint_bytes(jsonl(*many_chats(12), legacy))
    assert lines_of(report, "dataset.format.mixed") == [0, 13]


def test_blank_lines_are_flagged_not_counted() -> None:
    report = lint_bytes(jsonl(*many_chats(6), "", *many_chats(6)))
    assert lines_of(report, "json.blank_line") == [7]
    assert report.stats.examples == 12


def test_unbalanced_labels() -> None:
    records = [chat(f"ticket {i}", "billing") for i in range(40)]
    records += [chat(f"other {i}", "shipping") for i in range(3)]
    report = lint_bytes(jsonl(*records))
    assert lines_of(report, "dataset.labels.unbalanced") == [0]
    assert report.stats.labels == {"billing": 40, "shipping": 3}


def dpo(question: str, good: str, bad: str) -> dict[str, object]:
    return {
        "input": {"messages": [{"role": "user", "content": question}]},
        "preferred_output": [{"role": "assistant", "content": good}],
        "non_preferred_output": [{"role": "assistant", "content": bad}],
    }


def test_dpo_rules() -> None:
    records = [dpo(f"q{i}", f"good {i}", f"bad {i}") for i in range(12)]
    two = dpo("x", "a", "b")
    two["preferred_output"] = [{"role": "assistant", "content": "a"}] * 2
    wrong_role = dpo("y", "a", "b")
    wrong_role["non_preferred_output"] = [{"role": "user", "content": "b"}]
    report = lint_bytes(jsonl(*records, two, wrong_role, dpo("z", "same", "same")))
    assert report.format == "dpo"
    assert lines_of(report, "dpo.output.count") == [13]
    assert lines_of(report, "dpo.output.role") == [14]
    assert lines_of(report, "dpo.output.identical") == [15]
    clean = lint_bytes(jsonl(*records))
    assert clean.errors == 0
