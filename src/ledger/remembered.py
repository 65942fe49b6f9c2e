"""A bounded map that forgets the least recently used entry first; thread-safe.

For what a process remembers to avoid doing again (checked tokens, parsed documents, costs,
answers): bounded, so that no stream of distinct requests can grow it without limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class Remembered:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The value, or None (and it becomes the most recently used)."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
