"""No network: the guard works, and the engine needs none."""

from __future__ import annotations

import socket

import pytest


def test_non_loopback_connections_fail_loudly() -> None:
    with pytest.raises(OSError, match="blocked network connection"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)
    client.close()
    server.close()


def test_offline_environment_is_set() -> None:
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
