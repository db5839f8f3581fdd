"""Older names of the jobs seam, kept while call sites move to ``service.providers``.

``JobsBackend`` is now ``providers.base.JobsProvider``; ``OpenAIJobsBackend`` is
``providers.openai.OpenAIJobs``; ``Page`` lives in ``service.types``.
"""

from __future__ import annotations

from tuiftune.service.providers.base import JobsProvider as JobsBackend
from tuiftune.service.providers.openai import OpenAIJobs as OpenAIJobsBackend
from tuiftune.service.types import Page

__all__ = ["JobsBackend", "OpenAIJobsBackend", "Page"]
