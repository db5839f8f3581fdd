"""Provider implementations behind the interfaces of ``base``; pick one by name (``registry``)."""

from tuiftune.service.providers.base import (
    BatchesProvider,
    DeploymentsProvider,
    FilesProvider,
    InferenceProvider,
    JobsProvider,
    Provider,
)
from tuiftune.service.providers.registry import ProviderOptions, ProviderRegistry

__all__ = [
    "BatchesProvider",
    "DeploymentsProvider",
    "FilesProvider",
    "InferenceProvider",
    "JobsProvider",
    "Provider",
    "ProviderOptions",
    "ProviderRegistry",
]
