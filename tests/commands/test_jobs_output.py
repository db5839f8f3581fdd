"""How ``tuiftune jobs`` prints: server text is data, JSON shapes hold, progress only on a TTY."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent

from tuiftune.commands.jobs_common import clean, dumps, job_to_dict
from tuiftune.commands.jobs_create import progress_bar
from tuiftune.commands.jobs_watch import JsonPrinter, TextPrinter, link_summary, metric_summary
from tuiftune.service.metrics import MetricPoint
from tuiftune.service.providers.openai_convert import event_from_openai, job_from_openai
from tuiftune.service.types import Job, JobEvent
from tuiftune.service.watch import ConnectionState, LinkStatus

HOSTILE = "[bold red]boom[/] \x1b[2J\x1b]0;title\x07 second\nline \x9b31m"


def job(**fields: Any) -> Job:
    """A job as a server sends it, through the OpenAI provider's edge."""
    base: dict[str, Any] = {
        "id": "ftjob-1",
        "status": "running",
        "model": "gpt-4o-mini-2024-07-18",
        "created_at": 1_750_000_000,
        "training_file": "file-1",
        "result_files": [],
        "method": {
            "type": "supervised",
            "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": "auto"}},
        },
    }
    base.update(fields)
    return job_from_openai(FineTuningJob.construct(**base))


def event(message: str, **fields: Any) -> JobEvent:
    return event_from_openai(
        FineTuningJobEvent.construct(
            id="ftevent-1", created_at=1_750_000_000, level="error", message=message, **fields
        )
    )


def test_clean_escapes_controls_and_keeps_text() -> None:
    assert clean("a\x1b[31mb\nc\td é") == "a\\x1b[31mb\\nc\td é"
    assert clean("\x9b") == "\\x9b"


def test_json_escapes_c1_controls() -> None:
    text = dumps({"m": "é\x9b\x1b"})
    assert "\x9b" not in text and "\x1b" not in text and "é" in text
    assert json.loads(text) == {"m": "é\x9b\x1b"}


def test_text_printer_shows_server_text_literally(capsys: pytest.CaptureFixture[str]) -> None:
    printer = TextPrinter()
    printer.event(event(HOSTILE))
    failed = job(status="failed", error={"code": "bad", "message": HOSTILE, "param": None})
    printer.end(failed, 1, None)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "[bold red]boom[/]" in out and "\\x1b[2J" in out
    # One line per event, whatever the message holds.
    assert len(out.splitlines()) == 2
    assert out.splitlines()[1].startswith("failed: bad: [bold red]boom[/]")


def test_json_printer_lines(capsys: pytest.CaptureFixture[str]) -> None:
    printer = JsonPrinter()
    printer.event(event(HOSTILE, type="message", data={}))
    printer.link(ConnectionState(LinkStatus.RECONNECTING, 8.0, 2, "503", 1_750_000_000.0))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["message"] == HOSTILE and first["level"] == "error"
    assert json.loads(lines[1]) == {
        "type": "connection",
        "time": json.loads(lines[1])["time"],
        "status": "reconnecting",
        "retry_in": 8.0,
        "attempt": 2,
        "reason": "503",
        "since": 1_750_000_000.0,
    }


def test_job_shape_tolerates_odd_servers() -> None:
    data = job_to_dict(job(status="paused", error={}, user_provided_suffix="s", metadata={}))
    assert data["status"] == "paused" and data["error"] is None and data["suffix"] == "s"
    assert data["hyperparameters"] == {"n_epochs": 3, "batch_size": "auto"}
    assert data["metadata"] is None
    legacy = job_to_dict(job(method=None, hyperparameters={"n_epochs": 2}))
    assert legacy["method"] == "supervised" and legacy["hyperparameters"] == {"n_epochs": 2}
    dpo = job_to_dict(
        job(method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1}}}, status="brand_new")
    )
    assert dpo["method"] == "dpo" and dpo["hyperparameters"] == {"beta": 0.1}
    assert dpo["status"] == "brand_new"


def test_summaries() -> None:
    point = MetricPoint(
        3, {"train_loss": 1.23456, "valid_loss": None, "train_mean_token_accuracy": 0.5}, 10
    )
    assert metric_summary(point) == "step 3/10  train loss 1.2346  train acc 0.5000"
    state = ConnectionState(LinkStatus.RECONNECTING, 8.2, 3, "Rate limited", None)
    assert link_summary(state) == "reconnecting in 8 s (attempt 3): Rate limited"
    offline = ConnectionState(LinkStatus.OFFLINE, 0.4, 9, None, 1_750_000_000.0)
    assert link_summary(offline).startswith("offline since ")
    assert "retrying in 0.4 s (attempt 9)" in link_summary(offline)


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    with progress_bar(Path("plain.jsonl")) as report:
        assert report is None  # pytest's stderr is not a terminal
    tty = FakeTTY()
    monkeypatch.setattr("sys.stderr", tty)
    with progress_bar(Path("[red]x.jsonl")) as report:
        assert report is not None
        report(1_000_000, 2_000_000)
        report(2_000_000, 2_000_000)
    text = tty.getvalue()
    assert "[red]x.jsonl" in text  # a file name is never markup
    assert "2.0/2.0 MB" in text


BIDI = "ok\u202eexe.txt\u2066x\u2069\u200f \x1b]52;c;aGk=\x07 \x85"
RAW = ("\u202e", "\u2066", "\u2069", "\u200f", "\x1b", "\x07", "\x85")


def test_bidi_and_controls_are_escaped_in_list_show_and_watch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tuiftune.commands.jobs_manage import _print_job, _print_table

    hostile = job(
        id="ftjob-" + BIDI,
        model="gpt-4o-mini" + BIDI,
        status="failed",
        user_provided_suffix=BIDI,
        metadata={"k": BIDI},
        error={"code": "bad", "message": BIDI, "param": None},
    )
    _print_table([hostile], False)
    _print_job(hostile, None, [])
    printer = TextPrinter()
    printer.event(event(BIDI))
    printer.end(hostile, 1, None)
    out = capsys.readouterr().out
    assert not [c for c in RAW if c in out], out
    assert "\\u202eexe.txt\\u2066x\\u2069\\u200f" in out and "\\x1b]52" in out
    text = dumps(job_to_dict(hostile))
    assert not [c for c in RAW if c in text]
    assert json.loads(text)["suffix"] == BIDI


def test_bidi_is_escaped_in_the_jobs_screen_text() -> None:
    from tuiftune.ui.jobs.format import detail_text, event_text, job_cells

    hostile = job(
        model=BIDI,
        status="failed",
        user_provided_suffix=BIDI,
        error={"code": "bad", "message": BIDI, "param": None},
    )
    shown = [detail_text(hostile).plain, event_text(event(BIDI)).plain]
    shown += [str(getattr(c, "plain", c)) for c in job_cells(hostile, None, 1_750_000_100)]
    assert not [c for s in shown for c in RAW if c in s], shown
    assert clean("\ud800") == "\\ud800"
