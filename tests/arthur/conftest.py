"""Fixtures of the ArthurAI-compatible client tests: a team on the real platform and a client per member."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlcube_nb.arthur import ArthurAI
from tests.server.conftest import Team, make_team
from tests.wire import Wire


@pytest.fixture
def team(platform) -> Team:
    """A company with one user per role, plus an outsider company (see tests/server/conftest.py)."""
    return make_team(platform)


@pytest.fixture
def arthur(platform) -> Callable[[Wire | str], ArthurAI]:
    """Build an ArthurAI client over real HTTP from a member's Wire or a bare API key."""

    def build(who: Wire | str) -> ArthurAI:
        key = who.api_key if isinstance(who, Wire) else who
        return ArthurAI(url=platform.url, access_key=key, timeout=30)

    return build
