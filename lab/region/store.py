"""The region's resources, kept in one JSON file in the region directory (atomic rewrite)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)
