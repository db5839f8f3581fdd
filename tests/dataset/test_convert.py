"""Legacy prompt/completion to chat, with the file's own separator and stop sequence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.dataset.helpers import jsonl, lint_bytes
from tuiftune.dataset import load_bytes
from tuiftune.dataset.convert import convert_document, convert_file, legacy_to_chat
from tuiftune.dataset.legacy import Consensus, Variant

LEGACY = SAMPLES / "ticket-triage-legacy.jsonl"
FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"
SYSTEM = "Classify the customer ticket into one category."


def records(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


async def test_clean_legacy_file_converts_and_lints_clean(tmp_path: Path) -> None:
    out = tmp_path / "chat.jsonl"
    result = await convert_file(LEGACY, out, system=SYSTEM)
    assert (result.written, result.skipped, result.kept_raw) == (60, [], 0)
    assert (result.separator, result.stop) == ("\n\n###\n\n", "\n")
    report = lint_bytes(out.read_bytes())
    assert report.findings == []
    assert report.format == "chat" and report.stats.labels is not None
    for before, after in zip(records(LEGACY), records(out), strict=True):
        assert after == {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": before["prompt"].removesuffix("\n\n###\n\n")},
                {"role": "assistant", "content": before["completion"].strip()},
            ]
        }
    assert out.read_bytes().endswith(b"}\n")


async def test_flawed_records_are_reported_or_kept_raw(tmp_path: Path) -> None:
    out = tmp_path / "chat.jsonl"
    result = await convert_file(FLAWED, out)
    assert [(s.line, s.reason) for s in result.skipped] == [
        (13, "invalid JSON at column 161: Expecting ',' delimiter"),
        (15, "the completion is empty"),
        (17, "blank line"),
        (19, "no 'completion' (keys: 'prompt', 'completions')"),
    ]
    converted = records(out)
    assert result.written == len(converted) == 56
    # Line 3 has no separator to strip, line 21 keeps the one inside the prompt, line 23 the
    # stop sequence inside the completion; line 7 had no leading space.
    user = [r["messages"][0]["content"] for r in converted]
    answers = [r["messages"][1]["content"] for r in converted]
    assert not any(u.endswith("###\n\n") for u in user)
    assert sum("\n\n###\n\nSent from my iPhone" in u for u in user) == 1
    assert "technical\nPriority: high" in answers
    assert all(a == a.strip() for a in answers)
    assert lint_bytes(out.read_bytes()).errors == 0

    kept = await convert_file(FLAWED, out, keep_raw=True, overwrite=True)
    assert (kept.written, kept.kept_raw) == (56, 3)
    assert [n.line for n in kept.notes] == [13, 15, 19]
    assert [s.line for s in kept.skipped] == [17]  # a blank line is never worth keeping
    lines = out.read_bytes().splitlines()
    assert lines[12] == FLAWED.read_bytes().splitlines()[12]


def test_glued_and_spaced_stop_sequences_are_both_stripped() -> None:
    cons = Consensus(" ->", "END", stop_variant=Variant(" END", 2, 1))
    spaced = legacy_to_chat({"prompt": "Hi ->", "completion": " Hello END"}, cons, None)
    glued = legacy_to_chat({"prompt": "Hi ->", "completion": " HelloEND"}, cons, None)
    expected = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    }
    assert spaced == glued == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"messages": []}, "not a prompt/completion record"),
        ({"prompt": "x"}, "no 'completion' (keys: 'prompt')"),
        ({"prompt": "x", "completion": 3}, "'completion' is not a string"),
        ({"prompt": " ->", "completion": " y"}, "the prompt is empty"),
        ({"prompt": "x", "completion": " \n"}, "the completion is empty"),
    ],
)
def test_unconvertible_records_say_why(value: Any, reason: str) -> None:
    assert legacy_to_chat(value, Consensus(" ->", "\n"), None) == reason


def test_output_keeps_the_line_style_and_endings() -> None:
    data = jsonl(
        {"prompt": "a ->", "completion": " b\n"},
        {"prompt": "c ->", "completion": " d\n"},
        eol="\r\n",
    )
    data = data.replace(b'{"prompt"', b'{ "prompt"')
    lines, result = convert_document(load_bytes(data), Consensus(" ->", "\n"))
    assert result.written == 2
    assert lines[0] == (
        b'{"messages": [{"role": "user", "content": "a"}, '
        b'{"role": "assistant", "content": "b"}]}\r\n'
    )


async def test_nothing_to_convert_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = await convert_file(SAMPLES / "ticket-triage-chat.jsonl", out)
    assert result.written == 0 and len(result.skipped) == 80
    assert not out.exists()


async def test_the_source_and_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "legacy.jsonl"
    source.write_bytes(LEGACY.read_bytes())
    with pytest.raises(ValueError, match="source"):
        await convert_file(source, source)
    (tmp_path / "chat.jsonl").write_bytes(b"mine\n")
    with pytest.raises(FileExistsError):
        await convert_file(source, tmp_path / "chat.jsonl")
    assert (tmp_path / "chat.jsonl").read_bytes() == b"mine\n"
    assert source.read_bytes() == LEGACY.read_bytes()


async def test_real_legacy_files_convert(
    tmp_path: Path, shared_dataset: Callable[[str], Path]
) -> None:
    # " ->" / " END" (CLI-prepared) and a stop that is " END" on 55 lines and "END" on 46.
    for name, sep, stop in (
        ("lens-qa-legacy-prepared.jsonl", " ->", " END"),
        ("tweet-replies-legacy.jsonl", "\n\n###\n\n", "END"),
    ):
        out = tmp_path / f"{name}.chat"
        result = await convert_file(shared_dataset(name), out)
        assert (result.separator, result.stop, result.skipped) == (sep, stop, [])
        converted = records(out)
        assert len(converted) == result.written
        for record in converted:
            user, answer = (m["content"] for m in record["messages"])
            assert not user.endswith(sep) and not answer.endswith("END")
            assert answer == answer.lstrip()
        report = lint_bytes(out.read_bytes())
        assert report.errors == 0
        assert {f.rule for f in report.findings} <= {"dataset.conflict"}  # real duplicates
