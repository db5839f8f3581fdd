"""tuiftune: a terminal app for the whole fine-tuning loop of OpenAI-compatible models."""

__version__ = "0.1.0"
