"""The site's signing key: Ed25519, kept in the instance folder, never in the database.

A database writer can rewrite rows and recompute hashes, but cannot sign: checkpoints of the log
chains and the completion bundle's manifest are signed with this key, and anyone holding the
public key (or its fingerprint, printed on the reports) can check them offline.
`custody init-db` makes the key when it is missing; the private file is created 0600.
"""
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PRIVATE_FILE = "signing-key.pem"
PUBLIC_FILE = "signing-key.pub.pem"


def private_path(instance: str | Path) -> Path:
    return Path(instance) / PRIVATE_FILE


def public_path(instance: str | Path) -> Path:
    return Path(instance) / PUBLIC_FILE


def ensure_key(instance: str | Path) -> bool:
    """Create the key pair in the instance folder if it is missing; True when it was created."""
    folder = Path(instance)
    folder.mkdir(parents=True, exist_ok=True)
    path = private_path(folder)
    if path.exists():
        if not public_path(folder).exists():
            public_path(folder).write_bytes(public_pem(folder))
        return False
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by the service user only
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path(folder).write_bytes(_public_bytes(key))
    return True


def _public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private(instance: str | Path) -> Ed25519PrivateKey | None:
    """The private key, or None when the site has none yet."""
    path = private_path(instance)
    if not path.exists():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def public_pem(instance: str | Path) -> bytes:
    """The public key (PEM) of the site's key; raises FileNotFoundError when there is none."""
    key = load_private(instance)
    if key is None:
        return public_path(instance).read_bytes()
    return _public_bytes(key)


def fingerprint(pem: bytes) -> str:
    """A short fingerprint to print on paper: the first 128 bits of SHA-256(PEM), in groups of four."""
    digest = hashlib.sha256(pem.strip()).hexdigest()[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def signer(instance: str | Path):
    """sign(data) -> (signature, public PEM) with the site's key, or None when there is no key."""
    key = load_private(instance)
    if key is None:
        return None
    public = _public_bytes(key)
    return lambda data: (key.sign(data), public)
