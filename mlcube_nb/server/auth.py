"""Secrets: API keys (random, shown once, stored as SHA-256), passwords (scrypt) and key expiry."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from mlcube_nb.enums import ApiKeyExpirationTime

KEY_PREFIX = "mlc_"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_EXPIRY_DAYS = {
    ApiKeyExpirationTime.ONE_MONTH: 30,
    ApiKeyExpirationTime.THREE_MONTHS: 90,
    ApiKeyExpirationTime.SIX_MONTHS: 180,
    ApiKeyExpirationTime.ONE_YEAR: 365,
    ApiKeyExpirationTime.NEVER: None,
}


@dataclass(frozen=True)
class NewKey:
    """A freshly minted key: ``secret`` is returned to the user once; only ``key_hash`` is stored."""

    key_id: str
    secret: str
    key_hash: str


def hash_key(secret: str) -> str:
    """SHA-256 of a key: keys carry 256 random bits, so a fast hash is enough and allows lookup."""
    return hashlib.sha256(secret.encode()).hexdigest()


def mint_key() -> NewKey:
    """A new API key ``mlc_<12 hex>_<43 chars>``: the id part is public, the rest holds 256 random bits."""
    key_id = KEY_PREFIX + secrets.token_hex(6)
    secret = f"{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id=key_id, secret=secret, key_hash=hash_key(secret))


def adopt_key(secret: str) -> NewKey:
    """Wrap a key chosen outside (``MLCUBE_BOOTSTRAP_API_KEY``) so it is stored like a minted one."""
    return NewKey(key_id=KEY_PREFIX + secrets.token_hex(6), secret=secret, key_hash=hash_key(secret))


def masked(key_id: str) -> str:
    """How a key is shown after creation: its public id and an ellipsis, never the secret part."""
    return f"{key_id}_…"


def key_id_from_handle(handle: str) -> str | None:
    """The public id in a full key or a masked one (``mlc_abc123_…``), or None when it has none."""
    if not handle.startswith(KEY_PREFIX):
        return None
    parts = handle.split("_")
    return "_".join(parts[:2]) if len(parts) >= 2 and parts[1] else None


def expiry_for(option: ApiKeyExpirationTime, now: datetime) -> datetime | None:
    """When a key created *now* with *option* expires (None = never)."""
    days = _EXPIRY_DAYS[option]
    return None if days is None else now + timedelta(days=days)


def hash_password(password: str) -> str:
    """scrypt hash with a random salt, as ``scrypt$n$r$p$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, maxmem=64 * 1024 * 1024
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def verify_password(password: str, stored: str | None) -> bool:
    """Check *password* against *stored*; runs the KDF even when there is no hash, so timing tells nothing."""
    result_if_match = stored is not None
    stored = stored or _dummy_hash()
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=64 * 1024 * 1024
    )
    return hmac.compare_digest(candidate.hex(), digest) and result_if_match
