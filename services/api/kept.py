"""What the API keeps in memory until PostgreSQL says it changed: one generation at a time.

A notification (``services.api.notifications``) starts a new generation and forgets everything
kept. A value is filed under the generation read *before* it was looked up in the database, so
one looked up while a change was being committed is never served. Nothing is kept or served
while the process is not listening, since changes may then be missed.
"""

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeptUntilChanged(Generic[K, V]):
    """Values by key, valid for one generation; least recently used go first beyond ``max_entries``."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.generation = 0
        self.live = False
        """Listening for changes; only then is anything served from here."""
        self._entries: OrderedDict[K, tuple[int, V]] = OrderedDict()

    def changed(self) -> None:
        """Something this follows changed: nothing kept so far may be served again."""
        self.generation += 1
        self._entries.clear()

    def set_live(self, live: bool) -> None:
        self.live = live
        self.changed()

    def get(self, key: K) -> V | None:
        """The value kept for ``key``, if it is of the current generation."""
        if not self.live:
            return None
        found = self._entries.get(key)
        if found is None or found[0] != self.generation:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: K, generation: int, value: V) -> None:
        """Keep ``value``, read from the database as it was at ``generation`` or later."""
        if not self.live or generation != self.generation:
            return
        self._entries[key] = (generation, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
