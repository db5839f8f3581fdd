"""Async services over the OpenAI API (no Textual): files, jobs, watching, inference.

Modules: ``client`` (SDK clients from a profile), ``errors`` (typed user-readable errors),
``files`` (uploads), ``backends``/``jobs`` (fine-tuning jobs), ``watch`` (live job snapshots),
``metrics`` (metric points and the result file), ``inference`` (streamed prompting, models).
"""
