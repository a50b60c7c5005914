"""Loaded by every Python process the tests start (via PYTHONPATH): no network but loopback."""

import os

if os.environ.get("RAG_TEST_NETGUARD") == "1":
    import netguard_impl

    netguard_impl.install()
