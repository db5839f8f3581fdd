"""The hyperparameters' auto rules and validation (pure: the server calls them at POST time)."""

from __future__ import annotations

import subprocess
import sys

from tuiftune.server.trainers.local_engine.hyperparams import (
    BASE_LEARNING_RATE,
    checkpointing_wanted,
    resolve,
    validate,
)


def test_auto_follows_the_stated_rules() -> None:
    hp = resolve("supervised", {"n_epochs": "auto"}, 20)
    assert hp["n_epochs"] == 5  # raised so that examples x epochs >= 100
    assert hp["batch_size"] == 1 and hp["learning_rate_multiplier"] == 2.0
    assert hp["learning_rate"] == 2 * BASE_LEARNING_RATE and hp["seed"] == 42
    assert (hp["lora_r"], hp["lora_alpha"], hp["lora_dropout"]) == (8, 16.0, 0.05)
    assert hp["target_modules"] == "all-linear" and "beta" not in hp
    big = resolve("dpo", {}, 20_000, context_length=1024)
    assert (
        big["n_epochs"] == 1 and big["batch_size"] == 40 and big["learning_rate_multiplier"] == 0.5
    )
    assert big["beta"] == 0.1 and big["max_seq_len"] == 1024
    assert big["total_steps"] == big["steps_per_epoch"] == 500 and big["eval_every_steps"] == 50


def test_given_values_are_kept() -> None:
    raw = {
        "n_epochs": 2,
        "batch_size": 3,
        "learning_rate_multiplier": 0.5,
        "beta": 0.3,
        "seed": 7,
        "lora_r": 4,
        "target_modules": ["q_proj", "v_proj"],
        "max_seq_len": 128,
        "eval_every_steps": 5,
    }
    hp = resolve("dpo", raw, 10)
    assert {k: hp[k] for k in raw} == raw
    assert hp["steps_per_epoch"] == 4 and hp["total_steps"] == 8


def test_validate_names_each_problem() -> None:
    assert validate({"n_epochs": "auto", "lora_r": 8}) == []
    errors = validate(
        {"n_epochs": 0, "lora_dropout": 1.5, "beta": 0.1, "colour": "red", "batch_size": 2.5}
    )
    assert errors == [
        "hyperparameters.n_epochs: expected 1 to 50, got 0",
        "hyperparameters.lora_dropout: expected a value >= 0 and < 1, got 1.5",
        "hyperparameters.beta: only DPO jobs take beta",
        "hyperparameters.colour: unknown hyperparameter",
        "hyperparameters.batch_size: expected an integer, got 2.5",
    ]
    assert validate({"beta": 3}, "dpo") == [
        "hyperparameters.beta: expected a value > 0 and <= 2, got 3"
    ]
    assert validate({"target_modules": []}) != []
    assert validate({"gradient_checkpointing": True}) == []
    assert validate({"gradient_checkpointing": "yes"}) == [
        "hyperparameters.gradient_checkpointing: expected 'auto', true or false, got 'yes'"
    ]


def test_gradient_checkpointing_auto_is_for_big_models_on_cuda() -> None:
    assert resolve("supervised", {}, 10)["gradient_checkpointing"] == "auto"
    off = resolve("supervised", {"gradient_checkpointing": False}, 10)
    assert off["gradient_checkpointing"] is False
    assert checkpointing_wanted("auto", "cuda", 7_000_000_000)
    assert not checkpointing_wanted("auto", "cuda", 135_000_000)
    assert not checkpointing_wanted("auto", "cpu", 7_000_000_000)
    assert checkpointing_wanted(True, "cpu", 100)
    assert not checkpointing_wanted(False, "cuda", 10**10)


def test_the_server_side_modules_import_no_torch() -> None:
    code = (
        "import sys, tuiftune.server.trainers.local_engine.hyperparams, "
        "tuiftune.server.trainers.local_engine.config; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
