"""The playground's plain pieces below ui/: escapes, the parameter line, records, appends."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tuiftune.commands.common import unescape as cli_unescape
from tuiftune.dataset.escapes import EscapeError, escape, unescape
from tuiftune.dataset.jsonl_append import append_jsonl
from tuiftune.dataset.model_names import LEGACY_BASE_MODELS, is_legacy_model
from tuiftune.dataset.record_builders import legacy_record, prompt_from_record
from tuiftune.service.sampling_text import params_text, parse_params
from tuiftune.service.types import SamplingParams


def test_stop_arrow_is_kept_as_typed_in_the_playground_and_the_cli() -> None:
    # The old playground grammar decoded "→" as Latin-1 bytes: 'â\x86\x92'.
    params = parse_params("stop=→", SamplingParams())
    assert params.stop == ["→"]
    assert cli_unescape("→") == "→" == unescape("→")
    assert parse_params(r"stop=→\n,\u2192", SamplingParams()).stop == ["→\n", "→"]


@pytest.mark.parametrize(
    "typed", [r"\n", r"a\tb", "é", r"\\n", r"\x41", r"\N{BULLET}", "→", "#\x1b"]
)
def test_escape_round_trips(typed: str) -> None:
    text = unescape(typed)
    assert unescape(escape(text)) == text
    assert escape("\u202e\x1b") == r"\u202e\x1b"  # bidi and ESC shown, never raw


@pytest.mark.parametrize("bad", [r"\x", r"\x4", "trailing\\", r"\u12"])
def test_bad_escapes_are_one_clear_error(bad: str) -> None:
    with pytest.raises(EscapeError, match=r"escape|backslash"):
        unescape(bad)
    with pytest.raises(ValueError, match=r"^stop: "):
        parse_params(f"stop={bad}", SamplingParams())


def test_parameters_refuse_non_finite_numbers_and_round_trip_awkward_stops() -> None:
    for bad in ("temperature=nan", "top_p=inf", "temperature=-inf"):
        with pytest.raises(ValueError, match="finite"):
            parse_params(bad, SamplingParams())
    with pytest.raises(ValueError, match="max_tokens"):
        parse_params("max_tokens=0", SamplingParams())
    params = parse_params(r"stop=a\x2cb,\x20###,\n", SamplingParams())
    assert params.stop == ["a,b", " ###", "\n"]
    assert parse_params(params_text(params), SamplingParams()) == params


def test_one_legacy_list_decides_for_fine_tunes_too() -> None:
    assert set(LEGACY_BASE_MODELS) == {"babbage-002", "davinci-002"}
    assert is_legacy_model("ft:davinci-002:org::abc")
    assert not is_legacy_model("ft:gpt-4o-mini-2024-07-18:org::abc")


def test_records_and_prompts() -> None:
    record = legacy_record("Q", "A", "\n\n###\n\n", "\n")
    assert record == {"prompt": "Q\n\n###\n\n", "completion": " A\n"}
    chat = {
        "messages": [
            {"role": "system", "content": "S"},
            {"role": "user", "content": "u1"},
            {"role": "assistant", "content": "a1"},
            {"role": "user", "content": "u2"},
            {"role": "assistant", "content": "a2"},
        ]
    }
    assert prompt_from_record(chat) == (
        "S",
        [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}],
        "u2",
    )
    assert prompt_from_record([1]) is None


def test_append_adds_a_missing_newline_and_refuses_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "kept.jsonl"
    path.write_bytes(b'{"a": 1}')  # no final newline
    assert append_jsonl(path, [{"b": "\ud800"}, {"c": "→"}]) == 2
    lines = path.read_bytes().splitlines()
    assert [json.loads(x) for x in lines] == [{"a": 1}, {"b": "\ud800"}, {"c": "→"}]
    with pytest.raises(OSError, match="directory"):
        append_jsonl(tmp_path, [{"a": 1}])
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        append_jsonl(fifo, [{"a": 1}])  # must not block
