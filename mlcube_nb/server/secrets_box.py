"""Encryption at rest of the secret part of integration credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ``MLCUBE_SECRET_KEY`` when it is set: a Fernet key is used as is, any other text is a
passphrase stretched with scrypt, so every server given the same passphrase shares the key. Without it the
key lives in ``MLCUBE_HOME/secret.key`` (mode 0600), generated on first use and reused afterwards. Losing
the key makes the stored secrets unreadable: the credentials then have to be created again.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from mlcube_nb.enums import ErrorCode
from mlcube_nb.server.db.tables import CredentialsRow
from mlcube_nb.server.errors import BadRequest
from mlcube_nb.server.settings import Settings

__all__ = ["KEY_FILE_NAME", "decrypt_secret", "encrypt_secret", "fernet_for", "load_credentials_secret"]

KEY_FILE_NAME = "secret.key"
_SALT = b"mlcube_nb secrets box v1"  # fixed on purpose: servers sharing a passphrase must derive the same key


def _as_fernet_key(text: str) -> bytes | None:
    """The text as a Fernet key (url-safe base64 of 32 bytes), or None when it is something else."""
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    return text.encode("ascii") if len(raw) == 32 else None


@lru_cache(maxsize=4)
def _stretched(passphrase: str) -> bytes:
    """A Fernet key derived from a passphrase (scrypt is slow by design, hence the cache)."""
    kdf = Scrypt(salt=_SALT, length=32, n=2**14, r=8, p=1)
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8")))


def _create_key_file(path: Path) -> None:
    """Write a new key to *path* atomically with mode 0600; a key another process wrote first wins."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(Fernet.generate_key())
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # atomic and refuses to replace an existing key
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


def _key_from_file(settings: Settings) -> bytes:
    """The key stored in the home folder, generated the first time it is needed."""
    path = settings.ensure_home() / KEY_FILE_NAME
    if not path.exists():
        _create_key_file(path)
    key = _as_fernet_key(path.read_text(encoding="ascii", errors="replace").strip())
    if key is None:
        raise RuntimeError(f"{path} does not hold a Fernet key: restore the original file or set MLCUBE_SECRET_KEY")
    return key


def fernet_for(settings: Settings) -> Fernet:
    """The cipher for *settings*: ``MLCUBE_SECRET_KEY`` (key or passphrase) or the home folder's key file."""
    if settings.secret_key is not None:
        text = settings.secret_key.get_secret_value()
        return Fernet(_as_fernet_key(text) or _stretched(text))
    return Fernet(_key_from_file(settings))


def encrypt_secret(settings: Settings, secret: dict[str, Any]) -> str:
    """The ciphertext (text) of a secret dictionary, ready for ``CredentialsRow.secret_ciphertext``."""
    plaintext = json.dumps(secret, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return fernet_for(settings).encrypt(plaintext).decode("ascii")


def decrypt_secret(settings: Settings, ciphertext: str, what: str = "stored secret") -> dict[str, Any]:
    """The secret dictionary back; a 400 naming *what* when this server's key cannot open it."""
    try:
        plaintext = fernet_for(settings).decrypt(ciphertext.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError) as exc:
        message = (f"The {what} cannot be decrypted with this server's secret key (was MLCUBE_SECRET_KEY or "
                   "secret.key changed?): create the credentials again")
        raise BadRequest(ErrorCode.INVALID_CREDENTIALS, message) from exc
    value = json.loads(plaintext)
    return value if isinstance(value, dict) else {}


def load_credentials_secret(settings: Settings, row: CredentialsRow) -> dict[str, Any]:
    """The decrypted secret part of integration credentials ({} for credentials without one)."""
    if not row.secret_ciphertext:
        return {}
    return decrypt_secret(settings, row.secret_ciphertext, what=f"secret of credentials {row.id} ({row.name!r})")
