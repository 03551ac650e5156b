"""Every test and detector, registered by name through the ``SPEC`` its module publishes.

The registry is a read-only mapping built once from the algorithm modules, so there is no
mutable global state; adding a method means adding a module with a ``SPEC`` and listing it
here. The contract test walks this mapping and checks the shared behaviour of every entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from . import bernoulli_cusum, chi_square, cusum, ddm, ks, quanttree
from .registry_spec import DetectorSpec

REGISTRY: Mapping[str, DetectorSpec] = MappingProxyType(
    {module.SPEC.name: module.SPEC for module in (ks, chi_square, quanttree, bernoulli_cusum, cusum, ddm)}
)


def get_spec(name: str) -> DetectorSpec:
    """Return the spec registered under ``name``.

    Examples
    --------
    >>> get_spec("ks").data_types
    ('numeric',)
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no detector named {name!r}; registered: {sorted(REGISTRY)}.") from None


def specs_for(data_type: str) -> tuple[DetectorSpec, ...]:
    """Specs applicable to a data type, in registry order.

    Examples
    --------
    >>> [s.name for s in specs_for("binary_error")]
    ['bernoulli_cusum', 'ddm']
    """
    return tuple(spec for spec in REGISTRY.values() if data_type in spec.data_types)
