"""Newsdesk QA engine: ``Assistant(Settings()).ask("What did Witkoff say?")``.

The names below are imported on first use (PEP 562), so a light shell such as ``rag ask``
talking to a running server never loads LlamaIndex, Chroma or the embedding model.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rag.offline import apply_offline_env

apply_offline_env()

if TYPE_CHECKING:
    from rag.assistant import Assistant, QuestionError
    from rag.components.store import IndexNotReadyError
    from rag.contract import Answer, Citation, Message
    from rag.settings import Settings

_EXPORTS = {
    "Answer": "rag.contract",
    "Assistant": "rag.assistant",
    "Citation": "rag.contract",
    "IndexNotReadyError": "rag.components.store",
    "Message": "rag.contract",
    "QuestionError": "rag.assistant",
    "Settings": "rag.settings",
}
__all__ = ["Answer", "Assistant", "Citation", "IndexNotReadyError", "Message", "QuestionError", "Settings"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
