"""The replaceable parts, each built from settings in one place: the embedder, the Chroma store and
the BM25 index beside it, and the LLM (OpenAI-compatible, or the scripted one for demos and tests)."""
