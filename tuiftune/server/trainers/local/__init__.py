"""The local trainer: real LoRA fine-tuning in an engine subprocess, behind the trainer seam.

``options`` (what ``serve --trainer local`` sets), ``models`` (base model folders and the
``ft:`` names), ``planning`` (POST-time checks), ``journal`` (progress.jsonl turned into events,
metrics and checkpoints, kept in the run folder), ``process`` (the engine subprocess and its
signals), ``runs`` (the run folder and trainer_state), ``trainer`` (the hooks), ``supervisor``
(the per-device queue, one engine per run, restore), ``ports`` (what those parts see of the
trainer), ``lookup`` (model names to adapters), ``responder`` (answers from the trained adapters
through the engine's ``Generator``) and ``vllm`` (the same, forwarded to a vLLM server).
Nothing here imports torch; the engine and the generator do.
"""
