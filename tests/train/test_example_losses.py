"""Per-example training losses of the final model equal a direct recomputation with
transformers + peft on the saved adapter (to 1e-4), and name each row's line in the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.train.runs import of_type, run_in_process, sample_lines, write_config

torch = pytest.importorskip("torch", reason="the train extra is not installed")


def test_example_losses_match_transformers_and_peft(tiny_model_dir: Path, tmp_path: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuiftune.server.trainers.local_engine.data import load_examples

    records = sample_lines("ticket-triage-chat.jsonl", 10)
    no_answer = {"messages": [{"role": "user", "content": "hello?"}]}
    lines = [json.dumps(r) for r in records[:4]] + ["", json.dumps(no_answer)]
    lines += [json.dumps(r) for r in records[4:]]
    training = tmp_path / "train.jsonl"
    training.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    hyper = {"n_epochs": 2, "batch_size": 5, "learning_rate_multiplier": 50, "lora_dropout": 0}
    config = write_config(run_dir, tiny_model_dir, training, hyperparameters=hyper)
    assert run_in_process(config) == 0
    done = of_type(run_dir, "done")[0]
    rows = [json.loads(x) for x in (run_dir / "example_losses.jsonl").read_text().splitlines()]
    # File lines 5 (blank) and 6 (no assistant turn) are not trained on.
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 7, 8, 9, 10, 11, 12]
    assert any("example_losses.jsonl" in m["message"] for m in of_type(run_dir, "message"))

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    examples, _ = load_examples(training, "supervised", tokenizer, 512)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, done["adapter"]).eval()
    with torch.no_grad():
        direct = []
        for example in examples:
            ids = torch.tensor([example.chosen.input_ids])
            labels = torch.tensor([example.chosen.labels])
            direct.append(float(model(input_ids=ids, labels=labels).loss))
    assert [e.line for e in examples] == [r["line"] for r in rows]
    assert [r["loss"] for r in rows] == pytest.approx(direct, abs=1e-4)
    assert all(r["tokens"] > 0 and 0 <= r["token_accuracy"] <= 1 for r in rows)
    # Trained, the losses are below the base model's on the same rows.
    with torch.no_grad(), model.disable_adapter():
        before = [
            float(
                model(
                    input_ids=torch.tensor([e.chosen.input_ids]),
                    labels=torch.tensor([e.chosen.labels]),
                ).loss
            )
            for e in examples
        ]
    assert sum(direct) < sum(before)


def test_contradicting_rows_keep_a_high_loss(tiny_model_dir: Path, tmp_path: Path) -> None:
    import copy

    from tests.train.runs import write_jsonl
    from tuiftune.evaluation.example_losses import high_loss_rows, parse_example_losses

    records = sample_lines("ticket-triage-chat.jsonl", 40)
    # Line 41 asks what line 7 asks and answers with another label: no model fits both.
    twin = copy.deepcopy(records[6])
    label = twin["messages"][-1]["content"]
    twin["messages"][-1]["content"] = "feedback" if label != "feedback" else "billing"
    training = write_jsonl(tmp_path / "train.jsonl", [*records, twin])
    run_dir = tmp_path / "run"
    assert run_in_process(write_config(run_dir, tiny_model_dir, training)) == 0
    losses = parse_example_losses((run_dir / "example_losses.jsonl").read_bytes())
    high = high_loss_rows(losses)
    # The model settles on one of the two labels: the other twin is the row it cannot fit.
    worst = max(losses.values(), key=lambda r: r.loss)
    assert worst.line in (7, 41), sorted(losses.values(), key=lambda r: -r.loss)[:4]
    assert worst.token_accuracy is not None and worst.token_accuracy < 1
    assert high and high[0] == worst
