"""DPO from OpenAI's preference format: the margin grows and the preferred answers win."""

from __future__ import annotations

from pathlib import Path

from tests.train.runs import (
    FAST,
    dpo_records,
    of_type,
    preferred_share,
    run_in_process,
    write_config,
    write_jsonl,
)

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
