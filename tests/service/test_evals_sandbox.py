"""The eval runner against the sandbox: a fine-tuned model beats its base model, legacy models."""

from __future__ import annotations

import json
from pathlib import Path

from tuiftune.evaluation import load_test_set, parse_results, summarize
from tuiftune.service.evals import EvalOptions, EvalProgress, run_eval

from .test_evals_support import BASE, SAMPLES, legacy_test_rows, make_env, write_jsonl

GROUPS = ("em", "f1", "bleu", "rouge", "class")


async def test_fine_tuned_model_beats_its_base_model_on_held_out_data(tmp_path: Path) -> None:
    env = make_env()
    tuned = await env.train(SAMPLES / "ticket-triage-chat.jsonl")
    test_set = await load_test_set(SAMPLES / "ticket-triage-test.jsonl")
    out = tmp_path / "results.jsonl"
    seen: list[EvalProgress] = []
    run = await run_eval(
        env.client,
        test_set,
        [BASE, tuned],
        out,
        options=EvalOptions(concurrency=4),
        progress=seen.append,
    )
    assert run.complete and run.new == 60 and not run.failures
    assert seen[-1].done == seen[-1].total == 60 and seen[-1].rate > 0
    summary = summarize(run.results, run.models, GROUPS, total_examples=30, labels=test_set.labels)
    base, ft = summary.models
    assert ft.means["em_norm"] >= 0.7 and base.means["em_norm"] <= 0.1
    assert ft.classification is not None and base.classification is not None
    assert ft.classification.accuracy >= base.classification.accuracy + 0.6
    comparison = summary.comparison
    assert comparison is not None and (comparison.model_a, comparison.model_b) == (BASE, tuned)
    em = comparison.metric("em_norm")
    assert em is not None and em.test == "mcnemar-exact" and em.p_value < 1e-4
    assert em.wins > 20 and em.losses == 0
    f1 = comparison.metric("f1")
    assert f1 is not None and f1.test == "paired-bootstrap" and f1.p_value < 0.01
    assert len(comparison.fixed) == em.wins and not comparison.broke
    # The results file: one line per (index, model), with the promised fields.
    parsed = parse_results(out.read_bytes())
    assert len(parsed.results) == 60 and parsed.duplicates == 0
    line = json.loads(out.read_text().splitlines()[0])
    assert {"index", "model", "output", "scores"} <= line.keys()
    assert set(line["scores"]) == {"em", "em_norm", "f1", "bleu", "rouge1", "rouge2", "rougeL"}


async def test_legacy_models_get_the_separator_and_the_stop_sequence(tmp_path: Path) -> None:
    env = make_env()
    tuned = await env.train(SAMPLES / "ticket-triage-legacy.jsonl", model="babbage-002")
    test_set = await load_test_set(write_jsonl(tmp_path / "test.jsonl", legacy_test_rows()))
    assert test_set.stop == "\n" and not test_set.chat
    run = await run_eval(env.client, test_set, ["babbage-002", tuned], tmp_path / "r.jsonl")
    assert run.complete and set(env.answered) == {"/v1/completions"}
    summary = summarize(run.results, run.models, ("em",), labels=test_set.labels)
    base, ft = summary.models
    assert ft.means["em"] >= 0.6 > base.means["em"]
    # The stop sequence cut the answer before its newline.
    assert all("\n" not in r.output for r in run.results if r.model == tuned)
