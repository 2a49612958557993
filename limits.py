"""Bounded work: a time and result budget that every search shares.

A search takes a :class:`Budget`, calls :meth:`Budget.tick` in its inner loop, and
stops when :meth:`Budget.tick` returns ``False``; it then reports what it found with
``budget.cut_short`` set, and the CLI says the answer was cut short (exit code
:data:`EXIT_CUT_SHORT`).

Examples
--------
>>> b = Budget(timeout=None, max_steps=3)
>>> [b.tick() for _ in range(4)]
[True, True, True, False]
>>> b.cut_short, b.reason
(True, 'step limit 3 reached')
"""

from __future__ import annotations

import time

__all__ = ["Budget", "DEFAULT_TIMEOUT", "EXIT_CUT_SHORT"]

#: Seconds a search may run unless the user says otherwise (``--timeout``).
DEFAULT_TIMEOUT = 30.0

#: Exit code of a command whose answer was cut short by a time or result limit.
EXIT_CUT_SHORT = 3


class Budget:
    """Time (seconds, wall clock) and step limits for one piece of work."""

    __slots__ = ("deadline", "timeout", "max_steps", "steps", "cut_short", "reason", "_check_every")

    def __init__(self, timeout: float | None = DEFAULT_TIMEOUT, max_steps: int | None = None):
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.max_steps = max_steps
        self.steps = 0
        self.cut_short = False
        self.reason: str | None = None
        self._check_every = 256

    def tick(self, n: int = 1) -> bool:
        """Count ``n`` steps of work; ``False`` once a limit is reached (and from then on)."""
        if self.cut_short:
            return False
        self.steps += n
        if self.max_steps is not None and self.steps > self.max_steps:
            return self.stop(f"step limit {self.max_steps} reached")
        if self.deadline is not None and (self.steps % self._check_every == 0 or n > 1):
            if time.monotonic() > self.deadline:
                return self.stop(f"time limit {self.timeout:g}s reached")
        return True

    def expired(self) -> bool:
        """Check the clock now (for coarse-grained work); ``True`` when over time."""
        if self.cut_short:
            return True
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.stop(f"time limit {self.timeout:g}s reached")
        return self.cut_short

    def stop(self, reason: str) -> bool:
        """Mark the work as cut short for ``reason``; returns ``False`` for convenience."""
        self.cut_short = True
        self.reason = self.reason or reason
        return False
