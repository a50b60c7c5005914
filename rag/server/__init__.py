"""The HTTP server: ``create_app(settings)`` builds it; ``rag serve`` runs it."""

from rag.server.app import create_app

__all__ = ["create_app"]
