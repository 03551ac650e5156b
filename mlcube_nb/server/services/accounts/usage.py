"""Quota usage counters for the subscription plan; areas that own a counted table register a counter."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

Counter = Callable[[Session, str], int]
_COUNTERS: dict[str, Counter] = {}


def register(feature: str, counter: Counter) -> None:
    """Let the area that owns *feature*'s table count it (e.g. tasks per company)."""
    _COUNTERS[feature] = counter


def count(session: Session, feature: str, company_id: str) -> int:
    """Current usage of *feature* by the company; 0 while no area has registered a counter for it."""
    counter = _COUNTERS.get(feature)
    return counter(session, company_id) if counter else 0
