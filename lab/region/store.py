"""The region's resources, kept in one JSON file in the region directory (atomic rewrite)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drconsole.lab.env import replace_json

State = dict[str, Any]


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self._data: State = json.loads(path.read_text())
        except (OSError, ValueError):
            self._data = {}

    @property
    def empty(self) -> bool:
        return not self._data

    @contextmanager
    def read(self) -> Iterator[State]:
        with self._lock:
            yield self._data

    @contextmanager
    def write(self) -> Iterator[State]:
        """Change the state; it is saved when the block ends without an error."""
        with self._lock:
            yield self._data
            self._save()

    def _save(self) -> None:
        replace_json(self.path, self._data, indent=1, sort_keys=True)
