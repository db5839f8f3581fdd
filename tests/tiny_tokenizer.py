"""A tokenizer-only model folder (no torch, no transformers): what ``hf_tokens`` reads.

The same byte-level BPE, specials and ChatML template as ``tests.trainkit.build_tiny_model``,
written with ``tokenizers`` alone, plus a ``config.json`` naming the context length.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.trainkit import SPECIALS, chat_template, corpus


def build_tiny_tokenizer(directory: Path, *, context: int = 512, vocab_size: int = 512) -> Path:
    """Write tokenizer.json, tokenizer_config.json and config.json into ``directory``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

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
    raw.save(str(directory / "tokenizer.json"))
    config = {
        "bos_token": "<|im_start|>",
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "model_max_length": context,
        "chat_template": chat_template(False),
    }
    (directory / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    (directory / "config.json").write_text(
        json.dumps({"max_position_embeddings": context}), encoding="utf-8"
    )
    return directory
