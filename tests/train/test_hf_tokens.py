"""Exact tokens for open models with tokenizers + jinja2 only: what the engine trains on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.train.runs import REPO, SAMPLES, dpo_records, write_jsonl
from tests.trainkit import build_tiny_model
from tuiftune.dataset.hf_tokens import HFTokensError, exact_summary, load_model, normalize
from tuiftune.dataset.models import model_info
from tuiftune.dataset.tokens import counter_for
from tuiftune.server.trainers.local_engine.data import load_examples

FILES = ("ticket-triage-chat.jsonl", "ticket-triage-legacy.jsonl", "weather-tools-chat.jsonl")


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model whose template uses {% generation %} markers."""
    return build_tiny_model(tmp_path_factory.mktemp("hf") / "marked", generation_markers=True)


@pytest.mark.parametrize("name", FILES)
def test_counts_equal_the_engines_tokens(tiny_model_dir: Path, marked: Path, name: str) -> None:
    from transformers import AutoTokenizer

    for folder in (tiny_model_dir, marked):
        model = load_model(str(folder))
        records = [json.loads(line) for line in (SAMPLES / name).read_text().splitlines()]
        examples, _ = load_examples(
            SAMPLES / name, "supervised", AutoTokenizer.from_pretrained(folder), 10**6
        )
        assert [model.count_record(r) for r in records] == [
            len(e.chosen.input_ids) for e in examples
        ]


def test_counts_equal_transformers_rendering(tiny_model_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = load_model(str(tiny_model_dir))
    for line in (SAMPLES / "support-chat.jsonl").read_text().splitlines()[:10]:
        messages = normalize(json.loads(line)["messages"])
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        assert model.render(messages, generation_prompt=True) == text
    pairs = write_jsonl(tmp_path / "dpo.jsonl", dpo_records(4))
    examples, _ = load_examples(pairs, "dpo", tokenizer, 10**6)
    longest = [
        max(len(e.chosen.input_ids), len(e.rejected.input_ids)) for e in examples if e.rejected
    ]
    records = [json.loads(line) for line in pairs.read_text().splitlines()]
    assert [model.count_record(r) for r in records] == longest


def test_the_linter_uses_the_models_tokenizer_and_context(tiny_model_dir: Path) -> None:
    info = model_info(str(tiny_model_dir))
    assert (
        info.encoding == f"hf:{tiny_model_dir.resolve()}"
        and info.example_limit == 512
        and info.known
    )
    counter = counter_for(info.encoding)
    model = load_model(str(tiny_model_dir))
    assert counter.count("I was charged twice") == len(model.encode("I was charged twice"))
    summary = exact_summary(str(SAMPLES / "support-chat.jsonl"), str(tiny_model_dir))
    assert summary["examples"] == 40 and summary["context_length"] == 512
    assert (
        summary["over_context"]
        == sum(
            1
            for line in (SAMPLES / "support-chat.jsonl").read_text().splitlines()
            if model.count_record(json.loads(line)) > 512
        )
        > 0
    )


def test_an_unknown_model_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(HFTokensError, match=r"no tokenizer\.json there"):
        load_model(str(tmp_path))
    assert model_info("gpt-4o-mini-2024-07-18").encoding == "o200k_base"


def test_lint_with_an_open_model_imports_no_torch(tiny_model_dir: Path) -> None:
    code = (
        "import sys\n"
        "from tuiftune.cli import main\n"
        f"rc = main(['lint', {str(SAMPLES / 'ticket-triage-chat.jsonl')!r},"
        f" '--model', {str(tiny_model_dir)!r}])\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules, rc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert "exact tokens with tiny-llama's tokenizer and chat template:" in out.stdout
    assert "context 512; 0 over it" in out.stdout
    assert out.stdout.strip().splitlines()[-1].split()[:2] == ["False", "False"]
