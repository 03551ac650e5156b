"""Bearer secrets inside stored rule actions (Slack, Discord and Teams webhook URLs), encrypted at rest.

Anyone holding a webhook URL can post to the channel, so the URL is stored as ``webhook_sealed``
(Fernet, the key of :mod:`mlcube_nb.server.secrets_box`) in the rule and in its queued deliveries.
Readers of the rule still get it back in clear, as the contract requires. Rows written before the
encryption hold a clear ``webhook``: they read as they are, and are sealed on their next write.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken

from mlcube_nb.enums import ErrorCode
from mlcube_nb.server.errors import BadRequest
from mlcube_nb.server.secrets_box import fernet_for
from mlcube_nb.server.settings import Settings

SEALED_FIELDS = ("webhook",)
_SUFFIX = "_sealed"


def seal(settings: Settings, action: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored action with its secret fields encrypted (``webhook`` -> ``webhook_sealed``)."""
    sealed = dict(action)
    for field in SEALED_FIELDS:
        value = sealed.get(field)
        if isinstance(value, str):
            del sealed[field]
            sealed[field + _SUFFIX] = fernet_for(settings).encrypt(value.encode("utf-8")).decode("ascii")
    return sealed


def unseal(settings: Settings, action: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored action with its secret fields in clear; clear (older) rows pass unchanged."""
    opened = dict(action)
    for field in SEALED_FIELDS:
        ciphertext = opened.pop(field + _SUFFIX, None)
        if not isinstance(ciphertext, str):
            continue
        try:
            opened[field] = fernet_for(settings).decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise BadRequest(ErrorCode.INVALID_CREDENTIALS,
                             f"A rule action's {field} cannot be decrypted with this server's secret key (was "
                             "MLCUBE_SECRET_KEY or secret.key changed?): update the rule with the URL again") from exc
    return opened
