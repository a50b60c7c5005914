"""Evals: golden suites (JSONL), metrics, judges and reports for `rag eval`."""
