"""The site's signing key: Ed25519 (default) or SM2 (national, suites.py), kept in the instance folder,
never in the database.

A database writer can rewrite rows and recompute hashes, but cannot sign: checkpoints of the log
chains and the completion bundle's manifest are signed with this key, and anyone holding the
public key (or its fingerprint, printed on the reports) can check them offline.
`custody init-db` makes the key when it is missing (of the site's algorithm set); the private file is
created 0600. Both kinds are PKCS#8 PEM files; which kind a file holds is read from it.
"""
import os
from pathlib import Path

from . import suites

PRIVATE_FILE = "signing-key.pem"
PUBLIC_FILE = "signing-key.pub.pem"


def private_path(instance: str | Path) -> Path:
    return Path(instance) / PRIVATE_FILE


def public_path(instance: str | Path) -> Path:
    return Path(instance) / PUBLIC_FILE


def ensure_key(instance: str | Path, suite: str = suites.DEFAULT) -> bool:
    """Create the key pair of `suite` in the instance folder if it is missing; True when it was created.
    An existing key is kept whatever its kind (key_suite tells which)."""
    folder = Path(instance)
    folder.mkdir(parents=True, exist_ok=True)
    path = private_path(folder)
    if path.exists():
        if not public_path(folder).exists():
            public_path(folder).write_bytes(public_pem(folder))
        return False
    private, public = suites.generate(suite)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by the service user only
    with os.fdopen(fd, "wb") as fh:
        fh.write(private)
    public_path(folder).write_bytes(public)
    return True


def key_suite(instance: str | Path) -> str | None:
    """The algorithm set of the key in the instance folder (suites.DEFAULT or NATIONAL), None without one."""
    for path in (private_path(instance), public_path(instance)):
        if path.exists():
            return suites.suite_of_pem(path.read_bytes())
    return None


def load_private(instance: str | Path) -> suites.PrivateKey | None:
    """The private key, or None when the site has none yet; ValueError for a file of another kind."""
    path = private_path(instance)
    if not path.exists():
        return None
    try:
        return suites.load_private(path.read_bytes())
    except ValueError:
        raise ValueError(f"{path} is not an Ed25519 or SM2 key") from None


def public_pem(instance: str | Path) -> bytes:
    """The public key (PEM) of the site's key; raises FileNotFoundError when there is none."""
    key = load_private(instance)
    if key is None:
        return public_path(instance).read_bytes()
    return key.public_key().pem


def fingerprint(pem: bytes) -> str:
    """A short fingerprint to print on paper: the first 128 bits of the key's hash (SHA-256 of an Ed25519
    key's PEM, SM3 of an SM2 key's), in groups of four."""
    digest = suites.digest(suites.suite_of_pem(pem), pem.strip())[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def signer(instance: str | Path):
    """sign(data) -> (signature, public PEM) with the site's key, or None when there is no key."""
    key = load_private(instance)
    if key is None:
        return None
    public = key.public_key().pem

    def sign(data: bytes) -> tuple[bytes, bytes]:
        return key.sign(data), public

    sign.suite = key.suite  # the bundle names it in its manifest
    return sign
