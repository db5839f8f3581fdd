"""DPO from OpenAI's preference format: the margin grows and the preferred answers win."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from tests.train.runs import FAST, dpo_records, of_type, run_in_process, write_config, write_jsonl
from tuiftune.server.trainers.local_engine.data import IGNORE, Sequence, load_examples


def answer_logp(model: Any, seq: Sequence) -> float:
    """Summed log-probability of the labelled (answer) tokens."""
    ids = torch.tensor([seq.input_ids])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), -1)
    labels = seq.labels[1:]
    return sum(float(logp[i, t]) for i, t in enumerate(labels) if t != IGNORE)


def preferred_share(model_dir: Path, adapter: str | None, path: Path) -> float:
    """Share of pairs where the model gives the preferred answer the higher log-probability."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir)
    if adapter:
        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    pairs, _ = load_examples(path, "dpo", tokenizer, 512)
    wins = sum(
        answer_logp(model, p.chosen) > answer_logp(model, p.rejected) for p in pairs if p.rejected
    )
    return wins / len(pairs)


DPO = {**FAST, "n_epochs": 4, "beta": 0.1}


def test_dpo_grows_the_margin_and_prefers_the_preferred(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    training = write_jsonl(tmp_path / "pairs.jsonl", dpo_records(24))
    run_dir = tmp_path / "run"
    config = write_config(
        run_dir,
        tiny_model_dir,
        training,
        method="dpo",
        hyperparameters=DPO,
        validation_file=str(training),
    )
    assert run_in_process(config) == 0
    metrics = of_type(run_dir, "metrics")
    # Step 1 starts from the reference itself (the base: the new adapter's B is zero).
    assert abs(metrics[0]["train_reward_margin"]) < 1e-6
    assert metrics[-1]["train_reward_margin"] > 0.5
    assert metrics[-1]["train_reward_accuracy"] >= 0.75
    assert metrics[-1]["full_valid_reward_accuracy"] >= 0.9
    assert metrics[-1]["train_loss"] < metrics[0]["train_loss"] / 2
    adapter = of_type(run_dir, "done")[0]["adapter"]
    trained = preferred_share(tiny_model_dir, adapter, training)
    base = preferred_share(tiny_model_dir, None, training)
    assert trained >= 0.9 and trained > base


def test_dpo_from_a_supervised_adapter_uses_it_as_reference(
    tmp_path: Path, tiny_model_dir: Path, chat_run: Path
) -> None:
    training = write_jsonl(tmp_path / "pairs.jsonl", dpo_records(8))
    run_dir = tmp_path / "run"
    start = of_type(chat_run, "done")[0]["adapter"]
    hyper = {**DPO, "n_epochs": 1}
    config = write_config(
        run_dir, tiny_model_dir, training, method="dpo", hyperparameters=hyper, from_adapter=start
    )
    assert run_in_process(config) == 0
    first = of_type(run_dir, "metrics")[0]
    # Policy and reference are both the supervised adapter at step 1 (a base reference would not
    # give 0: that adapter already prefers the right labels by a wide margin).
    assert abs(first["train_reward_margin"]) < 1e-6
    assert first["train_reward_accuracy"] == 0.0
