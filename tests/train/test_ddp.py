"""Data parallel: two CPU processes under torch's launcher (gloo) train like one process."""

from __future__ import annotations

from pathlib import Path

from tests.train.runs import (
    FAST,
    finish,
    of_type,
    run_in_process,
    sample_lines,
    start_engine,
    write_config,
    write_jsonl,
)

SMALL = {**FAST, "n_epochs": 2}


def test_two_processes_give_the_single_process_losses(tmp_path: Path, tiny_model_dir: Path) -> None:
    training = write_jsonl(tmp_path / "train.jsonl", sample_lines("ticket-triage-chat.jsonl", 16))
    single = tmp_path / "single"
    assert (
        run_in_process(write_config(single, tiny_model_dir, training, hyperparameters=SMALL)) == 0
    )

    pair = tmp_path / "pair"
    config = write_config(pair, tiny_model_dir, training, hyperparameters=SMALL)
    launcher = ("-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone")
    code = finish(start_engine(config, *launcher), 120)
    assert code == 0, (pair / "stderr.log").read_text()[-2000:]
    assert of_type(pair, "plan")[0]["processes"] == 2
    assert len(of_type(pair, "plan")) == 1  # only rank 0 writes progress
    one, two = of_type(single, "metrics"), of_type(pair, "metrics")
    assert [m["step"] for m in two] == [m["step"] for m in one]
    # Each rank takes half of every batch; DDP's averaged gradient equals the single-process one.
    for a, b in zip(one, two, strict=True):
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-4
        assert a["trained_tokens"] == b["trained_tokens"]
    assert of_type(pair, "done")[0]["status"] == "succeeded"
    assert (pair / "final" / "adapter_model.safetensors").is_file()
