"""Poitiers ESS assistant: answers with verified citations over a local corpus.

Importing the package is cheap: torch, chromadb and LangChain load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.settings import Settings

__all__ = ["Assistant", "Settings"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from assistant.core import Assistant

        return Assistant
    if name == "Settings":
        from assistant.settings import Settings

        return Settings
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
