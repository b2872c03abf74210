"""The two algorithm sets a site can seal its logs with, chosen once at `custody init-db`.

- `ed25519-sha256` (the default): SHA-256 row-hash chains, Ed25519 signatures (the cryptography package).
- `sm2-sm3` (national, `--algorithms national`): SM3 row-hash chains, SM2 signatures with SM3 and the
  standard signer id 1234567812345678 (GB/T 32918.2, GM/T 0009), made with tongsuopy (Tongsuo, the OpenAtom
  fork of OpenSSL; the optional extra `custody[national]`). The signatures are the standard ones: OpenSSL
  3 verifies them with `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678`.

The choice is recorded in the database (each chain head's `algorithm`), named in every checkpoint (signed)
and in the completion bundle's manifest (signed), so a verifier knows which set to check with. Both
keys are PKCS#8 PEM files (an SM2 key is an EC key on the SM2 curve, OID 1.2.156.10197.1.301); the
suite of a key is read from its PEM. No database and no Flask here: the offline bundle verifier uses it.
"""
import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from .errors import N_, CustodyError
from .vocab import Codes

DEFAULT = "ed25519-sha256"
NATIONAL = "sm2-sm3"
# the stored code (LogHead.algorithm, Checkpoint.algorithm, the bundle manifest's "algorithm")
ALGORITHMS = Codes("seal_algorithm", **{DEFAULT: N_("Ed25519 signatures, SHA-256 hash chains"),
                                        NATIONAL: N_("SM2 signatures, SM3 hash chains (national algorithms)")})
SUITES = tuple(ALGORITHMS)
CHOICES = {"default": DEFAULT, "national": NATIONAL}  # the names `custody init-db --algorithms` takes
HASH_OF = {DEFAULT: "sha256", NATIONAL: "sm3"}
SM2_SIGNER_ID = b"1234567812345678"  # GB/T 32918.2's default distinguishing id, as Tongsuo and OpenSSL use it
# the DER of the SM2 curve's OID (1.2.156.10197.1.301) as it stands in a PKCS#8 or SubjectPublicKeyInfo PEM
_SM2_CURVE_OID = bytes.fromhex("06082a811ccf5501822d")


class NationalUnavailableError(CustodyError):
    code = "national_algorithms_unavailable"
    status = 503
    template = N_("This site seals its log with the national algorithms (SM2/SM3), but tongsuopy is not "
                  "installed: install custody[national].")


class UnknownSuiteError(CustodyError):
    code = "unknown_algorithms"
    status = 400
    template = N_("Unknown algorithm set: %(name)s (use ed25519-sha256 or sm2-sm3).")


def check(name: str) -> str:
    """The suite name, or UnknownSuiteError."""
    if name not in SUITES:
        raise UnknownSuiteError(name=str(name)[:40])
    return name


def _tongsuo():
    try:
        from tongsuopy.crypto import hashes, serialization
        from tongsuopy.crypto.asymciphers import ec
        from tongsuopy.crypto.exceptions import InvalidSignature
    except ImportError:
        raise NationalUnavailableError() from None
    return ec, hashes, serialization, InvalidSignature


def _sm3_from_hashlib() -> Callable[[bytes], str] | None:
    try:
        hashlib.new("sm3", b"")
    except ValueError:  # an OpenSSL built without SM3 (hashlib takes whatever the system's OpenSSL has)
        return None
    return lambda data: hashlib.new("sm3", data).hexdigest()


def _sm3_from_cryptography() -> Callable[[bytes], str] | None:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes

    def sm3(data: bytes) -> str:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()

    try:  # cryptography's wheels bring their own OpenSSL, with SM3
        sm3(b"")
    except UnsupportedAlgorithm:
        return None
    return sm3


def _sm3_from_tongsuo() -> Callable[[bytes], str]:
    _ec, hashes, _s, _i = _tongsuo()

    def sm3(data: bytes) -> str:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()

    return sm3


_hashers: dict[str, Callable[[bytes], str]] = {DEFAULT: lambda data: hashlib.sha256(data).hexdigest()}


def hasher(suite: str) -> Callable[[bytes], str]:
    """hash(bytes) -> hex digest of the suite's hash (SHA-256 or SM3); SM3 from the first of hashlib,
    cryptography and tongsuopy that has it (all agree: the test vectors of GB/T 32905)."""
    found = _hashers.get(suite)
    if found is None:
        check(suite)
        found = _sm3_from_hashlib() or _sm3_from_cryptography() or _sm3_from_tongsuo()
        _hashers[suite] = found
    return found


class _Incremental:
    """hashlib's update()/hexdigest() over a cryptography-style Hash (SM3 where hashlib lacks it)."""

    def __init__(self, make):
        self._h = make()

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.finalize().hex()


def new_hash(name: str):
    """An incremental hash object (update(bytes), hexdigest()) for "sha256" or "sm3"; ValueError otherwise."""
    if name == "sha256":
        return hashlib.sha256()
    if name != "sm3":
        raise ValueError(f"unknown hash {name[:20]!r}")
    if _sm3_from_hashlib() is not None:
        return hashlib.new("sm3")
    from cryptography.hazmat.primitives import hashes

    if _sm3_from_cryptography() is not None:
        return _Incremental(lambda: hashes.Hash(hashes.SM3()))
    _ec, ts_hashes, _s, _i = _tongsuo()
    return _Incremental(lambda: ts_hashes.Hash(ts_hashes.SM3()))


def hash_hex(name: str, data: bytes) -> str:
    """The hex digest of data with the hash named "sha256" or "sm3"; ValueError for another name."""
    if name not in HASH_OF.values():
        raise ValueError(f"unknown hash {name[:20]!r}")
    return hasher(DEFAULT if name == "sha256" else NATIONAL)(data)


def digest(suite: str, data: bytes) -> str:
    """The suite's hash of data, hex."""
    return hasher(suite)(data)


def suite_of_pem(pem: bytes) -> str:
    """Which suite a PEM key (private or public) belongs to: an SM2-curve key is national, else default."""
    body = b"".join(line for line in pem.strip().splitlines() if line and not line.startswith(b"-----"))
    try:
        der = base64.b64decode(body, validate=False)
    except ValueError:
        return DEFAULT
    return NATIONAL if _SM2_CURVE_OID in der else DEFAULT


@dataclass(frozen=True)
class PublicKey:
    """A site's public key of either suite: verify(signature, data) -> bool; pem; suite."""

    suite: str
    pem: bytes
    _key: object

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether signature is this key's signature of data."""
        if self.suite == NATIONAL:
            ec, hashes, _s, invalid = _tongsuo()
            try:
                self._key.verify(signature, data, ec.ECDSA(hashes.SM3()))
                return True
            except (invalid, ValueError, AssertionError):  # a malformed DER signature fails the backend's assert
                return False
        from cryptography.exceptions import InvalidSignature

        try:
            self._key.verify(signature, data)
            return True
        except (InvalidSignature, ValueError):
            return False

    def fingerprint(self) -> str:
        """The full fingerprint: the suite's hash (SHA-256 or SM3) of the public key's PEM, hex."""
        return digest(self.suite, self.pem.strip())


@dataclass(frozen=True)
class PrivateKey:
    """A site's private key of either suite: sign(data) -> bytes; public_key()."""

    suite: str
    _key: object

    def sign(self, data: bytes) -> bytes:
        if self.suite == NATIONAL:
            ec, hashes, _s, _i = _tongsuo()
            return bytes(self._key.sign(data, ec.ECDSA(hashes.SM3())))
        return self._key.sign(data)

    def public_key(self) -> PublicKey:
        if self.suite == NATIONAL:
            _ec, _h, serialization, _i = _tongsuo()
        else:
            from cryptography.hazmat.primitives import serialization
        pem = self._key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        return PublicKey(self.suite, pem, self._key.public_key())


def generate(suite: str) -> tuple[bytes, bytes]:
    """A new key pair of the suite: (private PKCS#8 PEM, public PEM)."""
    check(suite)
    if suite == NATIONAL:
        ec, _h, serialization, _i = _tongsuo()
        key = ec.generate_private_key(ec.SM2())
    else:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def load_private(pem: bytes) -> PrivateKey:
    """A private key from PEM (Ed25519 or SM2); raises ValueError for another kind of key."""
    suite = suite_of_pem(pem)
    if suite == NATIONAL:
        _ec, _h, serialization, _i = _tongsuo()
        return PrivateKey(NATIONAL, serialization.load_pem_private_key(pem, password=None))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 or SM2 key")
    return PrivateKey(DEFAULT, key)


def load_public(data: bytes | str) -> PublicKey:
    """A public key from PEM (Ed25519 or SM2), or an Ed25519 key as 32 raw bytes or 64 hex digits;
    raises ValueError when it is none of these."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(data, str):
        data = data.strip()
        if len(data) == 64 and all(c in "0123456789abcdefABCDEF" for c in data):
            data = bytes.fromhex(data)
        else:
            data = data.encode()
    if len(data) == 32:
        key = Ed25519PublicKey.from_public_bytes(data)
    elif suite_of_pem(data) == NATIONAL:
        _ec, _h, ts_serialization, _i = _tongsuo()
        key = ts_serialization.load_pem_public_key(data)
        pem = key.public_bytes(ts_serialization.Encoding.PEM, ts_serialization.PublicFormat.SubjectPublicKeyInfo)
        return PublicKey(NATIONAL, pem, key)
    else:
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 or SM2 public key")
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return PublicKey(DEFAULT, pem, key)
