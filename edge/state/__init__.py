"""Local device state: hot arrays in memory, SQLite (WAL) as the durable record."""

from edge.state.store import Session, StateStore

__all__ = ["Session", "StateStore"]
