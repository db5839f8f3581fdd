"""Loading a base model and its tokenizer, the device and dtype, and the LoRA adapter on top."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any, TextIO

import torch

from tuiftune.server.trainers.local_engine.config import RunError

log = logging.getLogger(__name__)
# Warnings raised inside these packages are advice to their developers (deprecations, "adapter X
# was active"), not to the person running ``tuiftune serve``.
_LIBRARIES = ("transformers", "peft", "torch", "accelerate", "huggingface_hub", "safetensors")


def _from_library(filename: str) -> bool:
    return any(f"{os.sep}{name}{os.sep}" in filename for name in _LIBRARIES)


def quiet_libraries() -> None:
    """Keep transformers' and peft's progress bars and warnings off the terminal: their logs
    above error only, their Python warnings to this module's log at debug level."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    if getattr(warnings.showwarning, "tuiftune_quiet", False):
        return
    shown = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if _from_library(filename):
            log.debug("%s: %s (%s:%d)", category.__name__, message, filename, lineno)
            return
        shown(message, category, filename, lineno, file, line)

    show.tuiftune_quiet = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """``auto`` is the GPU of this rank when there is one, else the CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank % torch.cuda.device_count())
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RunError(f"device {name!r} was asked for, but torch sees no CUDA GPU")
    device = torch.device(name)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank % torch.cuda.device_count())
    return device


def pick_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto`` is bfloat16 on GPUs that support it, float32 otherwise."""
    if name == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    table = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if name not in table:
        raise RunError(f"unknown dtype {name!r}: use auto, float32, bfloat16 or float16")
    return table[name]


def _source(base: str) -> str:
    path = Path(base)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise RunError(f"{base}: not a Hugging Face model folder (no config.json)")
        return str(path)
    if path.is_absolute() or base.startswith("."):
        raise RunError(f"base model folder not found: {base}")
    return base  # a model id, looked up in the local Hugging Face cache only


def load_tokenizer(base: str) -> Any:
    """The model's own tokenizer; a pad token is borrowed from EOS when it has none."""
    from transformers import AutoTokenizer

    source = _source(base)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise RunError(f"cannot load the tokenizer of {base}: {_first_line(exc)}") from exc
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(base: str, device: torch.device, dtype: torch.dtype) -> Any:
    """The base causal LM, on ``device``, in evaluation mode until training starts."""
    from transformers import AutoModelForCausalLM

    source = _source(base)
    try:
        model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise RunError(f"cannot load the model {base}: {_first_line(exc)}") from exc
    model.config.use_cache = False
    return model.to(device)  # type: ignore[arg-type]


def context_length(model: Any) -> int | None:
    """The model's maximum positions, when its config says."""
    value = getattr(model.config, "max_position_embeddings", None)
    return int(value) if isinstance(value, int) and value > 0 else None


def enable_checkpointing(model: Any) -> None:
    """Recompute activations in the backward pass (non-reentrant: LoRA's inputs need no
    requires_grad, and dropout's RNG is replayed)."""
    kwargs = {"use_reentrant": False}
    enable = getattr(model, "activation_checkpointing_enable", None)
    if enable is not None:  # transformers 5 (4.x, which pyproject still allows, lacks it)
        enable(activation_checkpointing_kwargs=kwargs)
    else:  # the name transformers 5 deprecates
        model.gradient_checkpointing_enable(kwargs)


def ignore_peft_checkpointing_probe() -> None:
    """Ignore the one FutureWarning every ``PeftModel`` made or loaded raises (call it first).

    peft 0.21's ``PeftModel.__init__`` reads the base model's ``is_gradient_checkpointing``,
    which transformers 5 deprecates for ``is_activation_checkpointing``; the read is inside peft,
    unconditional, and nothing passed to it avoids it (we call neither name). Only that warning,
    raised from that module, is filtered; added again at each call because pytest resets the
    filters per test.
    """
    warnings.filterwarnings(
        "ignore",
        message="`is_gradient_checkpointing` is deprecated",
        category=FutureWarning,
        module=r"transformers\.modeling_utils",
    )


def add_lora(model: Any, hp: dict[str, Any], from_adapter: Path | None) -> Any:
    """A trainable LoRA adapter on ``model``: new from ``hp``, or continuing ``from_adapter``."""
    from peft import LoraConfig, PeftModel, get_peft_model

    ignore_peft_checkpointing_probe()
    if from_adapter is not None:
        if not (from_adapter / "adapter_config.json").is_file():
            raise RunError(f"adapter folder not found: {from_adapter}")
        return PeftModel.from_pretrained(model, str(from_adapter), is_trainable=True)
    targets = hp["target_modules"]
    config = LoraConfig(
        r=hp["lora_r"],
        lora_alpha=hp["lora_alpha"],
        lora_dropout=hp["lora_dropout"],
        target_modules=targets if isinstance(targets, list) else str(targets),
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(model, config)
    except ValueError as exc:
        raise RunError(f"hyperparameters.target_modules: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
