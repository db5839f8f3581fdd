"""What an adversarial pass broke in ``eval``: write failures, unwritable outputs before the paid
run, non-finite numbers, exclusive flags, non-JSON answers, scorers loaded before requests."""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import os
from pathlib import Path
from typing import Any, BinaryIO

import httpx2
import openai
import pytest

from tuiftune.cli import dispatch
from tuiftune.commands import eval as eval_cmd
from tuiftune.evaluation import load_test_set, parse_results, rouge_metric
from tuiftune.evaluation import metrics as metrics_mod
from tuiftune.service import evals_io
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals import EvalOptions, ResultsWriteError, run_eval

from .test_evals_support import BASE, SAMPLES, make_env

TEST = SAMPLES / "ticket-triage-test.jsonl"


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="tuiftune")
    eval_cmd.add_parser(parser.add_subparsers())
    return dispatch(parser.parse_args(["eval", *argv]))


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUIFTUNE_SANDBOX_DIR", str(tmp_path / "data" / "sandbox"))
    monkeypatch.setenv("TUIFTUNE_SANDBOX_STEP_SECONDS", "1")
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def disk_fills_after(monkeypatch: pytest.MonkeyPatch, whole_writes: int) -> list[int]:
    """The disk is full after ``whole_writes`` writes: the next one gets half its bytes out."""
    calls: list[int] = []

    def append(fh: BinaryIO, data: bytes) -> None:
        calls.append(len(data))
        if len(calls) > whole_writes:
            fh.write(data[: len(data) // 2])
            fh.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fh.write(data)
        fh.flush()

    monkeypatch.setattr(evals_io, "_append", append)
    return calls


async def test_a_full_disk_stops_the_run_and_leaves_only_whole_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(latency_ms=2)
    test_set = await load_test_set(TEST)
    out = tmp_path / "results.jsonl"
    disk_fills_after(monkeypatch, 5)
    unretrieved: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: unretrieved.append(ctx))
    with pytest.raises(ResultsWriteError, match="No space left on device") as caught:
        await run_eval(env.client, test_set, [BASE], out, options=EvalOptions(concurrency=1))
    data = out.read_bytes()
    parsed = parse_results(data)
    assert parsed.intact_bytes == len(data) and not parsed.bad_lines  # no torn line
    assert f"{len(parsed.results)} result(s) were saved" in str(caught.value)
    assert 5 <= len(parsed.results) < 30
    # The run stopped at once: not every remaining example was still asked for.
    assert len(env.answered) < 30
    await asyncio.sleep(0)
    assert not unretrieved  # no "Task exception was never retrieved"


def test_cli_write_failure_is_one_line_and_not_complete(
    data_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    disk_fills_after(monkeypatch, 2)
    code = cli(str(TEST), "-m", BASE, "--sandbox", "-c", "1", "-o", "r.jsonl")
    captured = capsys.readouterr()
    assert code == eval_cmd.EXIT_INCOMPLETE
    assert "complete" not in captured.out
    assert "cannot write r.jsonl: No space left on device" in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", ["--csv", "--report", "--export-json", "--out"])
@pytest.mark.parametrize("target", ["directory", "missing-dir", "fifo"])
def test_unwritable_outputs_are_refused_before_any_request(
    data_home: Path, capsys: pytest.CaptureFixture[str], flag: str, target: str
) -> None:
    folder = data_home / "folder"
    folder.mkdir()
    path = {
        "directory": folder,
        "missing-dir": data_home / "nowhere" / "x.out",
        "fifo": data_home / "pipe",
    }[target]
    if target == "fifo":
        os.mkfifo(path)
    if flag == "--out" and target == "missing-dir":
        pytest.skip("--out creates its directory, as it always did")
    code = cli(str(TEST), "-m", BASE, "--sandbox", flag, str(path))
    err = capsys.readouterr().err
    assert code == eval_cmd.EXIT_USAGE
    assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err
    assert not (data_home / "ticket-triage-test.results.jsonl").exists()  # nothing was paid for
    assert not (data_home / "data" / "sandbox").exists()  # the provider was never even asked


def test_an_export_on_the_results_file_is_refused(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(str(TEST), "-m", BASE, "--sandbox", "-o", "r.jsonl", "--csv", "r.jsonl") == 2
    assert "--csv r.jsonl is also --out" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--temperature", v) for v in ("nan", "inf", "-inf", "3")]
    + [("--concurrency", v) for v in ("0", "-3", "1025", "99999999999999999999")],
)
def test_an_option_out_of_range_is_one_line(
    data_home: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(str(TEST), "-m", BASE, "--sandbox", flag, value)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if x.startswith("tuiftune eval: error:")]
    assert flag in line and "Traceback" not in err
    if flag == "--concurrency":
        assert ("at most 1024" in line) == (int(value) > 1024)


def test_non_finite_budgets_are_refused(data_home: Path) -> None:
    for flag in ("--rpm", "--tpm", "--poll-interval"):
        with pytest.raises(SystemExit):
            cli(str(TEST), "-m", BASE, "--sandbox", flag, "nan")


def test_resume_with_overwrite_is_refused(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = data_home / "r.jsonl"
    results.write_text('{"index": 0}\n')
    assert (
        cli(str(TEST), "-m", BASE, "--sandbox", "-o", str(results), "--resume", "--overwrite") == 2
    )
    assert "--resume" in capsys.readouterr().err and results.read_text() == '{"index": 0}\n'


async def test_a_200_that_is_not_json_stops_with_one_clear_error(tmp_path: Path) -> None:
    def html(request: httpx2.Request) -> httpx2.Response:
        page = "<html><body>Please log in to the proxy</body></html>"
        return httpx2.Response(200, text=page, headers={"content-type": "text/html"})

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(html))
    client = openai.AsyncOpenAI(api_key="k", base_url="http://proxy.invalid/v1", http_client=http)
    test_set = await load_test_set(TEST)
    out = tmp_path / "r.jsonl"
    with pytest.raises(ServiceError, match="not an OpenAI-style JSON response"):
        async with client:
            await run_eval(client, test_set, [BASE], out, options=EvalOptions(max_attempts=2))
    assert parse_results(out.read_bytes()).results == []  # no made-up results


async def test_scorers_are_loaded_before_the_first_request(tmp_path: Path) -> None:
    rouge_metric._stemmer.cache_clear()
    metrics_mod._sentence_bleu_metric.cache_clear()
    env = make_env()
    seen: list[bool] = []

    async def note(request: httpx2.Request) -> None:
        seen.append(metrics_mod.metrics_loaded(("bleu", "rouge")))

    env.client._client.event_hooks["request"].append(note)
    test_set = await load_test_set(TEST)
    run = await run_eval(env.client, test_set, [BASE], tmp_path / "r.jsonl")
    assert run.complete and seen and all(seen)


def test_csv_and_json_exports_hold_no_raw_escapes(tmp_path: Path) -> None:
    from tuiftune.evaluation import EvalResult, summarize, to_csv, to_json, to_markdown

    hostile = '=HYPERLINK("http://x")\x1b]52;c;QUJD\x07 \u202eevil\u2066 \x1b[2J'
    results = [
        EvalResult(0, "m", hostile, "@SUM(A1)", {"em": 0.0}, key="k", label=None),
        EvalResult(1, "m", "-1+2", "ok", {"em": 0.0}, key="k2", label=None),
    ]
    summary = summarize(results, ["m"], ["em"])
    for text in (to_csv(results, ["em"]), to_json(summary, results), to_markdown(summary, results)):
        assert not any(ch in text for ch in "\x1b\x07\u202e\u2066")
    rows = to_csv(results, ["em"]).splitlines()
    assert "'=HYPERLINK" in rows[1] and "'@SUM(A1)" in rows[1] and "'-1+2" in rows[2]
    assert json.loads(to_json(summary, results))["results"][0]["output"] == hostile


def test_a_hostile_model_name_reaches_stderr_escaped(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "\x1b]0;pwned\x07nope\u202e"
    assert cli(str(TEST), "-m", name, "--sandbox", "-o", "r.jsonl") == 3  # refused, no answer
    err = capsys.readouterr().err
    assert "does not exist" in err and "\\x1b]0;pwned\\x07nope\\u202e" in err
    assert "\x1b" not in err and "\u202e" not in err


def test_a_fifo_or_folder_as_rubric_is_refused_at_once(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(data_home / "rubric")
    for rubric in ("rubric", "."):
        code = cli(str(TEST), "-m", BASE, "--sandbox", "--judge-model", BASE, "--rubric", rubric)
        assert code == eval_cmd.EXIT_USAGE
    assert capsys.readouterr().err.count("not a regular file") == 2


def test_a_missing_or_binary_rubric_is_named_with_its_reason(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data_home / "binary.txt").write_bytes(b"Score 1-5\n\xff\xfe")
    for rubric, why in (("gone.txt", "No such file or directory"), ("binary.txt", "not UTF-8")):
        code = cli(str(TEST), "-m", BASE, "--sandbox", "--judge-model", BASE, "--rubric", rubric)
        assert code == eval_cmd.EXIT_USAGE
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert line.startswith(f"tuiftune eval: --rubric {rubric}: {why}"), line
