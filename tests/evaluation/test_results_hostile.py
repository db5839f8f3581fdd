"""A results file with hostile lines: each is one named problem, never a traceback."""

from __future__ import annotations

import json

from tuiftune.evaluation import EvalResult, parse_results


def test_hostile_lines_are_ignored_with_a_reason() -> None:
    good = EvalResult(0, "m", "out", "ref", {"em": 1.0}, key="k").to_json()
    lines = [
        good,
        '{"index": 1, "model": "m", "x": 1' + "1" * 5000 + "}",  # beyond int parsing's limit
        "[" * 100_000 + "]" * 100_000,  # nested past the recursion limit
        '{"index": 2, "model": "m", "scores": {"em": 1' + "0" * 400 + "}}",  # beyond a float
    ]
    parsed = parse_results(("\n".join(lines) + "\n").encode())
    assert [r.index for r in parsed.results] == [0, 2]
    assert parsed.results[1].scores == {"em": None}
    assert [n for n, _ in parsed.bad_lines] == [2, 3]
    assert all(problem.startswith("not valid JSON") for _, problem in parsed.bad_lines)


def test_a_lone_surrogate_or_bidi_in_an_answer_is_written_escaped_and_read_back() -> None:
    result = EvalResult(0, "m", "a\ud800b\u202ec\x1b", "ref", {}, key="k")
    line = result.to_json()
    data = line.encode("utf-8")  # no UnicodeEncodeError
    assert "\u202e" not in line and "\x1b" not in line
    back = parse_results(data + b"\n").results[0]
    assert back.output == result.output and json.loads(line)["output"] == result.output
