"""Who stands where: the shoppers in each zone, latest arrival last, and camera occupancy.

A display addresses the most recent arrival still in its zone; when they
leave (or their session expires) it falls back to the one before, then to
nobody (cold start). Sessions themselves live in :class:`edge.state.StateStore`;
this keeps only session keys, so it survives a generation swap untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from edge.state import Session


class Presence:
    def __init__(self, zones: Iterable[str]) -> None:
        self.audience: dict[str, list[str]] = {z: [] for z in zones}
        """Zone -> session keys present, in order of arrival."""
        self.occupancy: dict[str, int] = {}
        """Zone -> head count a camera last reported."""

    def move(self, session: Session, zone: str) -> None:
        if session.zone and session.zone != zone:
            self.leave(session, session.zone)
        people = self.audience[zone]
        if session.key in people:
            people.remove(session.key)
        people.append(session.key)  # the latest arrival is who the displays address
        session.zone = zone

    def leave(self, session: Session, zone: str) -> None:
        people = self.audience[zone]
        if session.key in people:
            people.remove(session.key)
        if session.zone == zone:
            session.zone = None

    def front(self, zone: str, sessions: Mapping[str, Session]) -> Session | None:
        """The shopper a display facing ``zone`` addresses now (expired ones are dropped)."""
        people = self.audience[zone]
        while people:
            session = sessions.get(people[-1])
            if session is not None:
                return session
            people.pop()  # expired
        return None

    def forget(self, gone: set[str]) -> None:
        """Drop expired sessions from every zone."""
        for zone, people in self.audience.items():
            self.audience[zone] = [k for k in people if k not in gone]
