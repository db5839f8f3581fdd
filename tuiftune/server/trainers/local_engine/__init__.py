"""The local trainer's engine: real LoRA training and generation on torch + transformers + peft.

Runs as its own process (``python -m tuiftune.server.trainers.local_engine train --config FILE``,
optionally under ``torch.distributed.run``); the server imports only ``hyperparams`` (pure) and,
lazily when ``--trainer local`` is used, ``generator``. This package's ``__init__`` and
``hyperparams``, ``config``, ``progress`` and ``chat`` import no torch.

Modules: ``config`` (config.json), ``hyperparams`` (auto rules), ``progress`` (progress.jsonl and
results.csv), ``chat`` (OpenAI messages -> template input), ``data`` (tokenizing with loss masks),
``batches`` (padding into tensors), ``modeling`` (loading the model and LoRA), ``steps`` (SFT and
DPO losses), ``control`` (signals, pause file, parent death), ``state`` (resumable states,
checkpoints), ``loop`` (the training run), ``distributed`` (DDP), ``generator`` (inference).
"""
