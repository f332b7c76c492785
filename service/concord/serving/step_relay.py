"""Step events of one piece of in-flight work, relayed to every request waiting on it.

Identical requests share one model call (``coalesce.py``), so the request that started the
work is not the only one that wants to hear its progress: a request that joins later gets the
steps so far at once, then each new one as it comes.
"""

from __future__ import annotations

from collections.abc import Callable

from concord.progress import ProgressCallback, StepEvent


class StepRelay:
    """A ``ProgressCallback`` that remembers what it heard and passes it on to its listeners."""

    def __init__(self) -> None:
        self.history: list[StepEvent] = []
        self._listeners: list[ProgressCallback] = []

    def __call__(self, event: StepEvent) -> None:
        self.history.append(event)
        for listener in list(self._listeners):
            listener(event)

    def subscribe(self, listener: ProgressCallback) -> Callable[[], None]:
        """Replay the steps so far to ``listener``, then pass on new ones until unsubscribed."""
        for event in self.history:
            listener(event)
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)
