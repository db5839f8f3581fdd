"""The fine-tuning limits the Together emulator answers (``FinetuneModelLimits``)."""

from __future__ import annotations

from typing import Any


def model_limits(model: str) -> dict[str, Any]:
    """The limits of every model the emulator knows."""

    return {
        "default_gradient_accumulation_steps": 1,
        "lora_training": {
            "default_rank": 16,
            "max_batch_size": 32,
            "max_batch_size_dpo": 16,
            "max_rank": 64,
            "min_batch_size": 8,
            "target_modules": ["q_proj", "v_proj"],
        },
        "full_training": {"max_batch_size": 16, "max_batch_size_dpo": 8, "min_batch_size": 8},
        "max_learning_rate": 1.0,
        "max_num_checkpoints": 10,
        "max_num_epochs": 20,
        "max_num_evals": 10,
        "max_seq_length_dpo": 8192,
        "max_seq_length_sft": 16384,
        "merge_output_lora": True,
        "min_learning_rate": 1e-8,
        "min_max_seq_length": 512,
        "model_name": model,
        "supports_full_training": True,
        "supports_reasoning": False,
        "supports_tools": True,
        "supports_vision": False,
    }
