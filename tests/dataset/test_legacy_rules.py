"""Legacy prompt/completion rules: separator and stop consensus, whitespace, emptiness."""

from __future__ import annotations

from tests.dataset.helpers import jsonl, lines_of, lint_bytes
from tuiftune.dataset.legacy import candidates

SEP = "\n\n###\n\n"


def legacy(prompt: str, completion: str) -> dict[str, str]:
    return {"prompt": prompt, "completion": completion}


def clean(n: int, stop: str = "\n") -> list[dict[str, str]]:
    labels = ["spam", "ham", "eggs"]
    return [legacy(f"Message {i} text{SEP}", f" {labels[i % 3]}{stop}") for i in range(n)]


def test_clean_legacy_file_has_no_findings() -> None:
    report = lint_bytes(jsonl(*clean(30)))
    assert report.format == "legacy"
    assert [f.rule for f in report.findings] == ["dataset.small"]
    assert report.stats.model == "babbage-002"


def test_consensus_is_detected_and_outliers_flagged() -> None:
    records = clean(20)
    records[3] = legacy("Message without separator", " spam\n")
    records[5] = legacy(f"Message 5{SEP}", " ham")
    report = lint_bytes(jsonl(*records))
    assert lines_of(report, "legacy.separator.missing") == [4]
    assert lines_of(report, "legacy.stop.missing") == [6]
    fix = next(f for f in report.findings if f.rule == "legacy.stop.missing").fix
    assert fix is not None and fix.arg == "\n"


def test_separator_or_stop_inside_the_text_is_flagged() -> None:
    records = clean(20)
    records[0] = legacy(f"Quoted {SEP} inside{SEP}", " spam\n")
    records[1] = legacy(f"Message{SEP}", " ham\nmore\n")
    report = lint_bytes(jsonl(*records))
    assert lines_of(report, "legacy.separator.inside") == [1]
    assert lines_of(report, "legacy.stop.inside") == [2]


def test_no_consensus_flags_every_record_with_a_suggestion() -> None:
    records = [legacy(f"question {i}", f"answer number {i}.") for i in range(12)]
    report = lint_bytes(jsonl(*records))
    assert lines_of(report, "legacy.separator.missing") == list(range(1, 13))
    assert lines_of(report, "legacy.stop.missing") == list(range(1, 13))
    sep_fix = next(f for f in report.findings if f.rule == "legacy.separator.missing").fix
    assert sep_fix is not None and sep_fix.arg == SEP


def test_suggestion_avoids_strings_already_in_the_data() -> None:
    records = [legacy(f"q{i}{SEP}x", f"a {i}\nmore.") for i in range(12)]
    report = lint_bytes(jsonl(*records))
    sep_fix = next(f for f in report.findings if f.rule == "legacy.separator.missing").fix
    stop_fix = next(f for f in report.findings if f.rule == "legacy.stop.missing").fix
    assert sep_fix is not None and sep_fix.arg == " ->"
    assert stop_fix is not None and stop_fix.arg == " END"


def test_glued_stop_sequence_is_inconsistent() -> None:
    records = [legacy(f"t{i}{SEP}", f" reply {i} END") for i in range(12)]
    records += [legacy(f"u{i}{SEP}", f" reply {i}END") for i in range(5)]
    report = lint_bytes(jsonl(*records))
    assert lines_of(report, "legacy.stop.inconsistent") == list(range(13, 18))
    assert lines_of(report, "legacy.stop.missing") == []


def test_given_separator_and_stop_override_detection() -> None:
    records = clean(12)
    report = lint_bytes(jsonl(*records), separator=" ->", stop=" END")
    assert len(lines_of(report, "legacy.separator.missing")) == 12
    assert len(lines_of(report, "legacy.stop.missing")) == 12


def test_whitespace_and_empty_completions() -> None:
    records = clean(12)
    records[0] = legacy(f"a{SEP}", "spam\n")
    records[1] = legacy(f"b{SEP}", "")
    records[2] = {"prompt": f"c{SEP}", "completions": " ham\n"}
    report = lint_bytes(jsonl(*records))
    assert lines_of(report, "legacy.completion.leading_space") == [1]
    assert lines_of(report, "legacy.completion.empty") == [2]
    assert lines_of(report, "legacy.completion.missing") == [3]


def test_label_words_are_not_mistaken_for_stop_sequences() -> None:
    assert candidates(" positive\n") == {"\n"}
    assert " END" in candidates(" yes END")
    assert candidates("what is it?") == set()
