"""Poitiers ESS assistant: answers with verified citations over a local corpus.

The public names are :class:`Assistant`, :class:`Settings`, :class:`Answer`,
:class:`Citation` and :class:`AssistantError`. Importing the package is cheap: each name
is imported on first use, and torch, chromadb and LangChain load only when an assistant
needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answers import Answer, Citation
    from assistant.core import Assistant
    from assistant.errors import AssistantError
    from assistant.settings import Settings

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Settings"]

# Where each public name lives (imported by module-level __getattr__, PEP 562).
_HOMES = {
    "Answer": "assistant.answers",
    "Assistant": "assistant.core",
    "AssistantError": "assistant.errors",
    "Citation": "assistant.answers",
    "Settings": "assistant.settings",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
