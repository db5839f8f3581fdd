"""LLM-as-judge: the rubric reaches the judge model, its score lands in every result."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import openai

from tuiftune.evaluation import Rubric, load_test_set, summarize
from tuiftune.service.evals import EvalOptions, JudgeSpec, run_eval

from .test_evals_support import SAMPLES


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
    }


async def test_judge_scores_each_answer(
    mock_client: Callable[[Any], openai.AsyncOpenAI], tmp_path: Path
) -> None:
    judged: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        if body["model"] == "judge":
            prompt = body["messages"][1]["content"]
            judged.append(prompt)
            reference = re.search(r"<reference>\n(.*)\n</reference>", prompt)
            answer = re.search(r"<answer>\n(.*)\n</answer>", prompt)
            right = reference and answer and reference.group(1) == answer.group(1)
            score = "Score: 9" if right else "Score: 3"
            return httpx2.Response(200, json=completion(score + "\nbecause."))
        said = "billing" if body["model"] == "good" else "I don't know"
        return httpx2.Response(200, json=completion(said))

    test_set = await load_test_set(SAMPLES / "ticket-triage-test.jsonl")
    rubric = Rubric("Give 9 or more only when the category is exactly right.")
    options = EvalOptions(concurrency=3, metrics=("em",), judge=JudgeSpec("judge", rubric))
    run = await run_eval(
        mock_client(handler), test_set, ["bad", "good"], tmp_path / "r.jsonl", options=options
    )
    assert run.complete and len(judged) == 60
    assert all(rubric.text in p for p in judged)
    good = [r for r in run.results if r.model == "good"]
    assert {r.judge["score"] for r in good if r.judge} == {9.0, 3.0}
    expected = {True: (9 - 1) / 9, False: (3 - 1) / 9}
    assert all(r.scores["judge"] == expected[r.output == r.reference] for r in good)
    summary = summarize(run.results, run.models, ("em",))
    assert "judge" in summary.metrics
    comparison = summary.comparison
    assert comparison is not None
    judge = comparison.metric("judge")
    assert judge is not None and judge.test == "paired-bootstrap" and judge.mean_b > judge.mean_a
