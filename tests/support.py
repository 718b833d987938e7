"""Helpers the tests share (importable as `support`: pytest puts tests/ on the path)."""

from __future__ import annotations

import os

import pytest

IN_CI = bool(os.environ.get("CI"))


def require(condition: bool, what: str) -> None:
    """Skip when a component is missing on a developer machine; fail in CI, where .ci/run must install it."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing; .ci/run must install it")
    pytest.skip(f"{what} is not installed")
