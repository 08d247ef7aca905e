"""The store around the device: its layout, who stands where, what each display shows."""

from edge.store.board import Board, Showing
from edge.store.layout import Rejected, StoreLayout
from edge.store.presence import Presence

__all__ = ["Board", "Presence", "Rejected", "Showing", "StoreLayout"]
