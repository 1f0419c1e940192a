"""The watch tests use the core tests' sample profile."""

from __future__ import annotations

import pytest

from tests.core.conftest import VALID_PROFILE


@pytest.fixture
def profile_text() -> str:
    return VALID_PROFILE
