"""DPO through the plain ``openai`` SDK against ``tuiftune serve --trainer local`` on TCP, real
engine, tiny model: OpenAI's preference JSONL in, the reward margin grows in the job's metrics
events, and the trained adapter prefers the preferred answers where the base does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai

from tests.train.runs import dpo_records, preferred_share

from .helpers import eventually, jsonl, method
from .real import Served

TIMEOUT = 120
# Measured on the tiny model (24 pairs, 48 steps, about 5 s): with beta 0.5 every seed tried
# (1, 2, 3, 42) ends with all 24 pairs preferred; beta 0.1 at 6 epochs left seed 1 at 12/24.
DPO = {
    "n_epochs": 8,
    "batch_size": 4,
    "learning_rate_multiplier": 50,
    "beta": 0.5,
    "lora_r": 16,
    "lora_alpha": 64,
    "lora_dropout": 0,
    "eval_every_steps": 48,  # the validation file is scored whole at each epoch's end anyway
}


async def _events(client: openai.AsyncOpenAI, job_id: str) -> list[Any]:
    page = await client.fine_tuning.jobs.list_events(job_id, limit=10_000)
    return list(reversed(page.data))


async def test_a_dpo_job_grows_the_margin_and_prefers_the_preferred(
    tiny_model_dir: Path, local_server: Served, tmp_path: Path
) -> None:
    pairs = dpo_records(24)
    assert set(pairs[0]) == {"input", "preferred_output", "non_preferred_output"}
    client = openai.AsyncOpenAI(
        api_key="local", base_url=local_server.url, max_retries=0, timeout=60
    )
    upload = await client.files.create(file=("pairs.jsonl", jsonl(pairs)), purpose="fine-tune")
    job = await client.fine_tuning.jobs.create(
        training_file=upload.id,
        validation_file=upload.id,
        model=tiny_model_dir.name,
        method=method("dpo", **DPO),  # {"type": "dpo", "dpo": {"hyperparameters": DPO}}
        seed=1,
    )
    assert job.method is not None and job.method.type == "dpo"
    done = await eventually(
        lambda: client.fine_tuning.jobs.retrieve(job.id),
        lambda j: j.status in ("succeeded", "failed", "cancelled"),
        TIMEOUT,
    )
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model and done.fine_tuned_model.startswith(f"ft:{tiny_model_dir.name}:")
    assert done.method is not None and done.method.dpo is not None
    resolved = done.method.dpo.hyperparameters
    assert resolved is not None and resolved.beta == 0.5 and resolved.n_epochs == 8

    metrics = [e.data for e in await _events(client, job.id) if e.type == "metrics"]
    assert [m["step"] for m in metrics] == list(range(1, 49))
    # Step 1 scores the policy against itself (the new adapter's B is zero): margin 0.
    assert abs(metrics[0]["train_reward_margin"]) < 1e-6
    first = sum(m["train_reward_margin"] for m in metrics[:4]) / 4
    last = sum(m["train_reward_margin"] for m in metrics[-4:]) / 4
    assert last > first + 1.0, (first, last)
    assert metrics[-1]["train_loss"] < metrics[0]["train_loss"] / 2
    # The whole (validation = training) file at the last epoch's end, as the engine measured it.
    assert metrics[-1]["full_valid_reward_accuracy"] >= 0.9

    # The adapter behind the ft: model, scored apart from the engine: log p(preferred) against
    # log p(non-preferred) for every training pair.
    adapter = local_server.state_dir / "runs" / job.id / "final"
    data = tmp_path / "pairs.jsonl"
    data.write_bytes(jsonl(pairs))
    trained = preferred_share(tiny_model_dir, str(adapter), data)
    base = preferred_share(tiny_model_dir, None, data)
    assert trained >= 0.9 and base < 0.75, (trained, base)
    # And the model answers through the API from those weights.
    reply = await client.chat.completions.create(
        model=done.fine_tuned_model, messages=pairs[0]["input"]["messages"], max_tokens=4
    )
    assert reply.choices[0].finish_reason in ("stop", "length")
    await client.close()
