"""Test set-up shared by every test: isolated XDG dirs, a file keyring, and the lab fixtures."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.env",
    "tests.fixtures.kube",
    "tests.fixtures.net",
    "tests.fixtures.region",
    "tests.fixtures.lab",
]
