"""The sealed log: every log row and a daily checkpoint of both chains' heads are signed with a key
that is not in the database.

The hash chains (audit.py) show that rows fit together, but whoever can write the database can
recompute every hash after a change and move the chain head. So:

- every row appended to the custody log or the admin log carries a signature (Ed25519, or SM2 with SM3 on
  a site that chose the national algorithms: suites.py) of
  (chain, id, hash) made with the seal key: a row changed, deleted-and-renumbered or inserted
  without the key no longer matches its signature, and verification names that row;
- a checkpoint (Checkpoint) records both chains' newest id and hash, signed with the same key and
  linked to the checkpoint before it: rows cut from the end of a chain before a checkpoint are
  noticed, and the day's checkpoint printed on the overnight report anchors a paper copy.

The key is the site's signing key (signing.py: a file in the instance folder, mode 0600, made by
`custody init-db`; the completion bundle is signed with it too); the public key is exported beside it
(and wherever SEAL_PUBLIC_KEY_PATH says) so a verifier without the private key can check. Checking is in
sealcheck.py (re-exported here): `verify_rows` works on plain rows (lists of dicts) for an offline verifier
of an exported bundle.
The site's algorithm set is recorded on both chain heads (chosen by `custody init-db --algorithms`,
refused once a log has rows or a checkpoint exists), named in every signed checkpoint, and checked
against the key: a checkpoint, a key or a bundle of the other set does not verify.
docs/threat-model.md says what this does and does not protect against.
"""
import base64
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path

from app.db import db, write_tx

from . import audit, clock, signing, statements, suites
from .audit import CHAINS, GENESIS, _norm
from .errors import N_, CustodyError
from .models import Checkpoint, LogHead
from .sealcheck import (  # noqa: F401 (re-exported: the seal's public surface is here)
    CHAIN_FIELDS,
    PROBLEMS,
    ChainResult,
    SealReport,
    checkpoint_body,
    plain_checkpoints,
    plain_rows,
    row_message,
    short_fingerprint,
    verify_rows,
    verify_signature,
)

ALGORITHM = suites.DEFAULT  # the default set; a site's own is algorithm()
CHECKPOINT_REASONS = ("init", "manual", "nightly")
PAPER_PREFIX = "CUSTODY-CP1"


class SealKeyMissingError(CustodyError):
    code = "seal_key_missing"
    status = 503
    template = N_("The seal key is missing: run custody init-db on the server.")


class SealKeyMismatchError(CustodyError):
    code = "seal_key_mismatch"
    status = 503
    template = N_("The seal key belongs to %(key)s, but this site seals its log with %(site)s: put the site's "
                  "own key back in the instance folder.")


class AlgorithmSwitchRefusedError(CustodyError):
    code = "algorithm_switch_refused"
    status = 409
    template = N_("This site seals its log with %(site)s; it cannot switch to %(wanted)s once a log has rows, "
                  "a checkpoint exists or a key of the other kind is in the instance folder.")


# where the key files are: set by the app factory (configure), read on every use so a test's or a
# command's instance folder is the one used
_paths: Callable[[], tuple[str, str]] = lambda: ("", "")  # noqa: E731
_private_cache: dict[str, object] = {}


def configure(paths: Callable[[], tuple[str, str]]) -> None:
    """Tell the seal where the private and public key files are (a callable: read at each use)."""
    global _paths
    _paths = paths


def key_paths() -> tuple[Path, Path]:
    """(private key file, public key file)."""
    private, public = _paths()
    return Path(private), Path(public)


def _load_private() -> suites.PrivateKey | None:
    path = key_paths()[0]
    if not str(path) or str(path) == ".":
        return None
    key = _private_cache.get(str(path))
    if key is None and path.is_file():
        key = _private_cache[str(path)] = suites.load_private(path.read_bytes())
    return key


def has_key() -> bool:
    """Whether this process can sign (the private key file is there and readable)."""
    try:
        return _load_private() is not None
    except (OSError, ValueError):
        return False


def ensure_key(suite: str | None = None) -> bool:
    """Create the site's signing key when missing, of the site's algorithm set (default: the one recorded
    on the chain heads; signing.ensure_key: private file 0600, public key exported beside it and to
    SEAL_PUBLIC_KEY_PATH); True if it was made."""
    private, public = key_paths()
    made = signing.ensure_key(private.parent, suite or algorithm())
    if public != signing.public_path(private.parent):
        public.parent.mkdir(parents=True, exist_ok=True)
        public.write_bytes(signing.public_pem(private.parent))
    _private_cache.pop(str(private), None)
    return made


def load_public_key(data: bytes | str | None = None) -> suites.PublicKey | None:
    """A public key (Ed25519 or SM2) from PEM, or an Ed25519 key as raw 32 bytes or 64 hex digits; default:
    the exported key file, else the private key's. None when there is none."""
    if data is None:
        public = key_paths()[1]
        if str(public) not in ("", ".") and public.is_file():
            data = public.read_bytes()
        else:
            private = _load_private()
            return private.public_key() if private is not None else None
    return suites.load_public(data)


def fingerprint_of(public_key: suites.PublicKey) -> str:
    """The full fingerprint: the key's hash (SHA-256, SM3 for an SM2 key) of its PEM, hex (signing.fingerprint
    prints its start)."""
    return public_key.fingerprint()


def algorithm() -> str:
    """The site's algorithm set as the chain heads record it (suites.DEFAULT when there are none yet)."""
    with db.connection_context() if db.is_closed() else nullcontext():
        return LogHead.select(LogHead.algorithm).order_by(LogHead.name).scalar() or suites.DEFAULT


def choose_algorithm(suite: str) -> bool:
    """Record the site's algorithm set on both chain heads; True when it changed. Raises
    AlgorithmSwitchRefusedError when the site already has log rows or checkpoints under the other set, or a
    key of the other kind (the key decides what can be signed); UnknownSuiteError for an unknown name."""
    suites.check(suite)
    with write_tx() if db.transaction_depth() == 0 else nullcontext():
        heads = {}
        for name in ("event", "audit"):
            audit._lock_head(name)
            heads[name] = LogHead.get(LogHead.name == name)
        current = {h.algorithm for h in heads.values()}
        if current == {suite}:
            return False
        key = signing.key_suite(key_paths()[0].parent) if str(key_paths()[0]) not in ("", ".") else None
        if (any(h.last_id for h in heads.values()) or Checkpoint.select().exists()
                or (key is not None and key != suite)):
            raise AlgorithmSwitchRefusedError(site=algorithm(), wanted=suite)
        LogHead.update(algorithm=suite).execute()
    return True


def public_key_fingerprint(public_key=None) -> str | None:
    """The key's fingerprint as people compare it (8 groups of 4 hex digits, as signing.fingerprint prints
    it on bundles), or None without a key."""
    key = public_key or load_public_key()
    return short_fingerprint(fingerprint_of(key)) if key is not None else None


# ---------------------------------------------------------------- rows

def sign_row(chain: str, row_id: int, digest: str, algorithm: str = suites.DEFAULT) -> str:
    """The seal's signature of one appended row (hex), or "" when this process has no key; raises
    SealKeyMismatchError when the key is of another algorithm set than the chain's."""
    key = _load_private()
    if key is None:
        return ""
    if key.suite != algorithm:
        raise SealKeyMismatchError(key=key.suite, site=algorithm)
    return key.sign(row_message(chain, row_id, digest)).hex()


audit.row_signer = sign_row  # every row appended from now on is signed (app/custody/audit.py)


# ---------------------------------------------------------------- checkpoints

def seal(now: datetime | None = None, *, reason: str = "manual") -> Checkpoint:
    """Sign both chains' current heads in a new checkpoint; raises SealKeyMissingError without the key."""
    key = _load_private()
    if key is None:
        raise SealKeyMissingError()
    now = now or clock.now()
    with write_tx() if db.transaction_depth() == 0 else nullcontext():
        heads = {}
        for name in ("event", "audit"):
            heads[name] = statements.lock_head(name) or (0, GENESIS, key.suite)
        site_algorithm = heads["event"][2]
        if key.suite != site_algorithm:
            raise SealKeyMismatchError(key=key.suite, site=site_algorithm)
        last = Checkpoint.select().order_by(Checkpoint.id.desc()).first()
        values = {
            "id": (last.id + 1) if last else 1, "at": now, "reason": reason, "algorithm": site_algorithm,
            "key_fingerprint": fingerprint_of(key.public_key()),
            "event_last_id": heads["event"][0], "event_last_hash": heads["event"][1],
            "audit_last_id": heads["audit"][0], "audit_last_hash": heads["audit"][1],
            "prev_digest": last.digest if last else GENESIS,
        }
        body = checkpoint_body(values)
        values["digest"] = suites.digest(site_algorithm, body)
        values["signature"] = key.sign(body).hex()
        Checkpoint.insert(**values).execute()
    return Checkpoint(**values)


def short_code(checkpoint) -> str:
    """A checkpoint's short code for people to compare: its digest's first 80 bits in base32, 4 groups."""
    digest = checkpoint["digest"] if isinstance(checkpoint, dict) else checkpoint.digest
    text = base64.b32encode(bytes.fromhex(digest)[:10]).decode()
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def paper_text(checkpoint: Checkpoint) -> str:
    """The whole signed checkpoint as one line of text (the report's QR code): verifiable offline."""
    c = checkpoint
    return ";".join([PAPER_PREFIX, f"id={c.id}", f"at={_norm(c.at)}", f"r={c.reason}", f"alg={c.algorithm}",
                     f"k={c.key_fingerprint}", f"e={c.event_last_id}:{c.event_last_hash}",
                     f"a={c.audit_last_id}:{c.audit_last_hash}", f"p={c.prev_digest}", f"s={c.signature}"])


def parse_paper_text(text: str) -> dict:
    """A checkpoint dict from paper_text (the QR code's content); raises ValueError when malformed."""
    parts = text.strip().split(";")
    if not parts or parts[0] != PAPER_PREFIX:
        raise ValueError("not a custody checkpoint")
    kv = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
    try:
        e_id, e_hash = kv["e"].split(":", 1)
        a_id, a_hash = kv["a"].split(":", 1)
        values = {"id": int(kv["id"]), "at": kv["at"], "reason": kv["r"], "algorithm": kv["alg"],
                  "key_fingerprint": kv["k"], "event_last_id": int(e_id), "event_last_hash": e_hash,
                  "audit_last_id": int(a_id), "audit_last_hash": a_hash, "prev_digest": kv["p"],
                  "signature": kv["s"]}
    except (KeyError, ValueError) as err:
        raise ValueError(f"incomplete checkpoint text ({err})") from None
    if values["algorithm"] not in suites.SUITES:
        raise ValueError(f"unknown algorithm {values['algorithm'][:40]!r}")
    values["digest"] = suites.digest(values["algorithm"], checkpoint_body(values))
    return values


def checkpoint_for_night(cutoff_at: datetime) -> Checkpoint | None:
    """The night's checkpoint: the first sealed by the nightly sweep at or after the cutoff (else any
    sealed since the cutoff), within a day of it; None before then."""
    window = (Checkpoint.at >= cutoff_at) & (Checkpoint.at < cutoff_at + timedelta(days=1))
    return (Checkpoint.select().where(window).order_by((Checkpoint.reason != "nightly"), Checkpoint.id).first())


def latest_checkpoints(limit: int = 10) -> list[Checkpoint]:
    """The newest checkpoints, newest first."""
    return list(Checkpoint.select().order_by(Checkpoint.id.desc()).limit(limit))


def verify(public_key=None) -> SealReport:
    """Verify both chains in the database against every checkpoint with the public key (default: the
    site's exported key); the report names the first row or checkpoint that disagrees."""
    with db.connection_context() if db.is_closed() else nullcontext():
        heads = {h.name: (h.last_id, h.last_hash) for h in LogHead.select()}
        return verify_rows({"event": plain_rows("event"), "audit": plain_rows("audit")}, plain_checkpoints(),
                           public_key if public_key is not None else load_public_key(), heads, algorithm())


def verify_paper(text: str, public_key=None) -> tuple[bool, str]:
    """Check a checkpoint read off paper (its QR text) against the key and the database: (ok, why)."""
    try:
        cp = parse_paper_text(text)
    except ValueError as err:
        return False, str(err)
    key = public_key if public_key is not None else load_public_key()
    if key is None:
        return False, "no public key"
    if cp["algorithm"] != key.suite:
        return False, f"the paper checkpoint names {cp['algorithm']}, the public key is {key.suite}"
    if cp["key_fingerprint"] != fingerprint_of(key) or not verify_signature(key, cp["signature"],
                                                                               checkpoint_body(cp)):
        return False, "the paper checkpoint's signature does not match the public key"
    stored = Checkpoint.get_or_none(Checkpoint.id == cp["id"])
    if stored is None or stored.digest != cp["digest"]:
        return False, f"checkpoint #{cp['id']} is not in the database as printed"
    for name in ("event", "audit"):
        model, last_id = CHAINS[name][0], cp[f"{name}_last_id"]
        row = model.get_or_none(model.id == last_id) if last_id else None
        if last_id and (row is None or row.hash != cp[f"{name}_last_hash"]):
            return False, f"{name} row {last_id} is not in the database as the paper checkpoint sealed it"
    return True, f"checkpoint #{cp['id']} matches"


__all__ = ["ALGORITHM", "AlgorithmSwitchRefusedError", "ChainResult", "Checkpoint", "PROBLEMS",
           "SealKeyMismatchError", "SealKeyMissingError", "SealReport", "algorithm", "checkpoint_for_night",
           "choose_algorithm", "configure", "ensure_key", "has_key", "latest_checkpoints", "load_public_key",
           "paper_text", "parse_paper_text", "plain_checkpoints", "plain_rows", "public_key_fingerprint", "seal",
           "short_code", "sign_row", "verify", "verify_paper", "verify_rows"]
