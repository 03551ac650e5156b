"""Run the seeded examples in every monitoring module's docstrings as tests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mlcube_nb.monitoring as monitoring

MODULES = sorted(m.name for m in pkgutil.iter_modules(monitoring.__path__, prefix="mlcube_nb.monitoring."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
