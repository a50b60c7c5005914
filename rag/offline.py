"""Process-wide switches that keep every library off the network.

Imported first by ``rag`` so that they are set before chromadb, onnxruntime,
huggingface_hub, tiktoken or gradio are imported (several read them at import).
"""

from __future__ import annotations

import os

# setdefault: an operator can still override one on purpose.
_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",  # never reach the Hugging Face hub
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime phones home otherwise
    "ANONYMIZED_TELEMETRY": "False",  # chromadb's posthog telemetry
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
}


def apply_offline_env() -> None:
    """Set the environment variables that disable downloads and telemetry."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
