"""Local device state: hot arrays in memory, SQLite (WAL) as the durable record.

:mod:`edge.state.db` (connect, atomic, migrations) is imported by processes
that never hold the store (the feedback sender), so the store is loaded lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge.state.store import Session, StateStore

__all__ = ["Session", "StateStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from edge.state import store

        return getattr(store, name)
    raise AttributeError(f"module 'edge.state' has no attribute {name!r}")
