"""Shared test set-up. In CI (the variable CI is set) nothing may skip for a missing component."""

from __future__ import annotations

import os

import pytest

IN_CI = bool(os.environ.get("CI"))


def require(condition: bool, what: str) -> None:
    """Skip a test when a component is missing on a developer machine; fail in CI, where it must be installed."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing; .ci/run must install it")
    pytest.skip(f"{what} is not installed")
