"""The engine uses transformers' and peft's current names: a checkpointed run (the adapter made
over a checkpointed model) and an adapter loaded to answer raise no FutureWarning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.runs import FAST, of_type, run_in_process, sample_lines, write_config, write_jsonl


@pytest.mark.filterwarnings("error::FutureWarning")
def test_a_checkpointed_run_and_its_adapter_raise_no_future_warning(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    from tuiftune.server.trainers.local_engine.generator import Generator, GenParams

    training = write_jsonl(tmp_path / "t.jsonl", sample_lines("ticket-triage-chat.jsonl", 4))
    hyper = {**FAST, "n_epochs": 1, "gradient_checkpointing": True}
    run_dir = tmp_path / "run"
    config = write_config(run_dir, tiny_model_dir, training, hyperparameters=hyper)
    assert run_in_process(config) == 0, of_type(run_dir, "error")  # a warning is an error here
    said = [m["message"] for m in of_type(run_dir, "message")]
    assert "Gradient checkpointing on: less activation memory, slower steps" in said
    adapter = of_type(run_dir, "done")[0]["adapter"]
    gen = Generator({"tiny": str(tiny_model_dir)}, max_loaded_adapters=1, device="cpu")
    ask = [{"role": "user", "content": "hello"}]
    assert list(gen.chat("tiny", adapter, ask, GenParams(temperature=0, max_tokens=2)))
