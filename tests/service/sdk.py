"""The OpenAI provider over a test's own SDK client (mock transport or sandbox)."""

from __future__ import annotations

import openai

from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.openai import from_clients


def sdk(client: openai.AsyncOpenAI) -> Provider:
    """The provider's interfaces over ``client``; the test keeps closing the client itself."""
    return from_clients(client, close=False)
