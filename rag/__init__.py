"""Newsdesk QA engine: ``Assistant(Settings()).ask("What did Witkoff say?")``."""

from rag.offline import apply_offline_env

apply_offline_env()

from rag.assistant import Assistant, QuestionError  # noqa: E402
from rag.components.store import IndexNotReadyError  # noqa: E402
from rag.contract import Answer, Citation, Message  # noqa: E402
from rag.settings import Settings  # noqa: E402

__all__ = ["Answer", "Assistant", "Citation", "IndexNotReadyError", "Message", "QuestionError", "Settings"]
