"""A tiny Llama-style model built in code for the training tests (no download, CPU, seconds).

``build_tiny_model(dir)`` writes a normal Hugging Face folder: a byte-level BPE tokenizer trained
on the sample data with ``tokenizers``, a ChatML chat template (tools supported) and random weights
with ``initializer_range`` 0.1, so that a rank-8 LoRA moves the logits within a few epochs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# ChatML; the assistant turn ends with <|im_end|>. Tools are listed in a system block and tool
# calls rendered as JSON so records with tools go through the template like a real model's.
CHAT_TEMPLATE = (
    "{% if tools %}<|im_start|>system\nTools: {{ tools | tojson }}<|im_end|>\n{% endif %}"
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['role'] == 'assistant' %}"
    "{{ '{GEN}' }}{{ message['content'] or '' }}"
    "{% if message.get('tool_calls') %}{{ message['tool_calls'] | tojson }}{% endif %}"
    "<|im_end|>{{ '{END}' }}\n"
    "{% else %}{{ message['content'] or '' }}<|im_end|>\n{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def chat_template(generation_markers: bool) -> str:
    """The template, with or without ``{% generation %}`` around assistant turns."""
    if generation_markers:
        return CHAT_TEMPLATE.replace("{{ '{GEN}' }}", "{% generation %}").replace(
            "<|im_end|>{{ '{END}' }}", "<|im_end|>{% endgeneration %}"
        )
    return CHAT_TEMPLATE.replace("{{ '{GEN}' }}", "").replace("{{ '{END}' }}", "")


def corpus() -> Iterator[str]:
    """Every string in the sample data files (the tokenizer's training text)."""
    for path in sorted(SAMPLES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # the "flawed" sample has broken lines on purpose
                continue
            yield from _strings(record)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def build_tiny_model(
    directory: Path,
    *,
    kind: str = "llama",
    generation_markers: bool = False,
    vocab_size: int = 512,
    hidden_size: int = 64,
    layers: int = 2,
) -> Path:
    """Write a tiny Llama-style model folder into ``directory`` and return it."""
    if kind != "llama":
        raise ValueError(f"unknown tiny model kind: {kind}")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    raw.train_from_iterator(corpus(), trainer=trainer)
    tokenizer: Any = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=raw,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        model_max_length=512,
    )
    tokenizer.chat_template = chat_template(generation_markers)
    tokenizer.save_pretrained(directory)

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        initializer_range=0.1,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.convert_tokens_to_ids("<|im_start|>"),
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
    )
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny model folder for the whole test session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "tiny-llama")
