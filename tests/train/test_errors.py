"""A failed run ends with one readable error line (file, line, field) and exit code 1."""

from __future__ import annotations

from pathlib import Path

from tests.train.runs import of_type, run_in_process, write_config


def error_of(run_dir: Path) -> str:
    errors = of_type(run_dir, "error")
    assert len(errors) == 1
    message: str = errors[0]["message"]
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_bad_training_line_is_named(tmp_path: Path, tiny_model_dir: Path) -> None:
    training = tmp_path / "train.jsonl"
    training.write_text(
        '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}\n'
        '{"messages": [{"role": "user", "content": 5}]}\n',
        encoding="utf-8",
    )
    run_dir = tmp_path / "run"
    assert run_in_process(write_config(run_dir, tiny_model_dir, training)) == 1
    assert error_of(run_dir) == (
        f"{training}: line 2: messages[0]: content must be a string, a list of parts or null"
    )


def test_a_missing_model_folder_is_named(tmp_path: Path) -> None:
    training = tmp_path / "train.jsonl"
    training.write_text("{}\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    assert run_in_process(write_config(run_dir, tmp_path / "no-model", training)) == 1
    assert error_of(run_dir) == f"base model folder not found: {tmp_path / 'no-model'}"


def test_a_bad_config_is_named(tmp_path: Path, tiny_model_dir: Path) -> None:
    run_dir = tmp_path / "run"
    config = write_config(
        run_dir, tiny_model_dir, tmp_path / "t.jsonl", hyperparameters={"n_epochs": 0}
    )
    assert run_in_process(config) == 1
    assert error_of(run_dir) == f"{config}: hyperparameters.n_epochs: expected 1 to 50, got 0"
