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
(and wherever SEAL_PUBLIC_KEY_PATH says) so a verifier without the private key can check. `verify_rows` works on plain rows (lists of dicts) for an offline verifier of an exported bundle.
The site's algorithm set is recorded on both chain heads (chosen by `custody init-db --algorithms`,
refused once a log has rows or a checkpoint exists), named in every signed checkpoint, and checked
against the key: a checkpoint, a key or a bundle of the other set does not verify.
docs/threat-model.md says what this does and does not protect against.
"""
import base64
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from app.db import db, write_tx

from . import audit, clock, signing, statements, suites
from .audit import AUDIT_FIELDS, CHAINS, EVENT_FIELDS, GENESIS, _norm, canonical_json, row_hash
from .errors import N_, CustodyError
from .models import Checkpoint, LogHead

ALGORITHM = suites.DEFAULT  # the default set; a site's own is algorithm()
CHAIN_FIELDS = {"event": EVENT_FIELDS, "audit": AUDIT_FIELDS}
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


def short_fingerprint(full: str) -> str:
    """The first 32 hex digits of a fingerprint in groups of four (upper case)."""
    return " ".join(full[i:i + 4].upper() for i in range(0, 32, 4))


# ---------------------------------------------------------------- rows

def _row_message(chain: str, row_id: int, digest: str) -> bytes:
    return f"custody-row\n{chain}\n{row_id}\n{digest}".encode()


def sign_row(chain: str, row_id: int, digest: str, algorithm: str = suites.DEFAULT) -> str:
    """The seal's signature of one appended row (hex), or "" when this process has no key; raises
    SealKeyMismatchError when the key is of another algorithm set than the chain's."""
    key = _load_private()
    if key is None:
        return ""
    if key.suite != algorithm:
        raise SealKeyMismatchError(key=key.suite, site=algorithm)
    return key.sign(_row_message(chain, row_id, digest)).hex()


audit.row_signer = sign_row  # every row appended from now on is signed (app/custody/audit.py)


# ---------------------------------------------------------------- checkpoints

def _checkpoint_body(values: dict) -> bytes:
    return canonical_json([
        "custody-checkpoint", 1, int(values["id"]), _norm(values["at"]), values["reason"], values["algorithm"],
        values["key_fingerprint"], int(values["event_last_id"]), values["event_last_hash"],
        int(values["audit_last_id"]), values["audit_last_hash"], values["prev_digest"],
    ]).encode()


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
        body = _checkpoint_body(values)
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
    values["digest"] = suites.digest(values["algorithm"], _checkpoint_body(values))
    return values


def checkpoint_for_night(cutoff_at: datetime) -> Checkpoint | None:
    """The night's checkpoint: the first sealed by the nightly sweep at or after the cutoff (else any
    sealed since the cutoff), within a day of it; None before then."""
    window = (Checkpoint.at >= cutoff_at) & (Checkpoint.at < cutoff_at + timedelta(days=1))
    return (Checkpoint.select().where(window).order_by((Checkpoint.reason != "nightly"), Checkpoint.id).first())


def latest_checkpoints(limit: int = 10) -> list[Checkpoint]:
    """The newest checkpoints, newest first."""
    return list(Checkpoint.select().order_by(Checkpoint.id.desc()).limit(limit))


# ---------------------------------------------------------------- verification

@dataclass
class ChainResult:
    """What verification found in one chain; `problem` is a code (PROBLEMS), `detail` the specifics."""

    name: str
    rows: int = 0
    signed: int = 0
    ok: bool = True
    first_bad_id: int | None = None
    problem: str = ""
    detail: str = ""

    def fail(self, row_id: int | None, problem: str, detail: str = "") -> "ChainResult":
        self.ok, self.first_bad_id, self.problem, self.detail = False, row_id, problem, detail
        return self


@dataclass
class SealReport:
    """The result of verify(): each chain, the checkpoints, and the key they were checked with."""

    chains: dict[str, ChainResult]
    checkpoints: int = 0
    key_fingerprint: str | None = None
    checkpoint_problem: str = ""  # a code, PROBLEMS
    checkpoint_detail: str = ""
    bad_checkpoint_id: int | None = None
    sealed: bool = False  # a public key was there to check with
    latest: dict | None = None
    algorithm: str = suites.DEFAULT  # the algorithm set the rows and checkpoints were checked with

    @property
    def ok(self) -> bool:
        return not self.checkpoint_problem and all(c.ok for c in self.chains.values())


PROBLEMS = {
    "missing": N_("the row is missing: deleted, or its id changed"),
    "link": N_("its link to the row before does not match: a row was deleted, inserted or moved"),
    "content": N_("its content does not match its hash: the row was changed"),
    "signature": N_("its seal signature does not match: the row was written or rewritten without the seal key"),
    "unsigned": N_("it carries no seal signature, though the log was sealed before it was written"),
    "checkpoint": N_("it does not match the signed checkpoint: the rows up to it were rewritten"),
    "truncated": N_("rows a signed checkpoint recorded are gone: rows were cut from the end"),
    "head": N_("the log ends before its last recorded row: rows were deleted at the end"),
    "checkpoint_missing": N_("a checkpoint is missing: deleted from the database"),
    "checkpoint_forged": N_("a checkpoint's signature does not match the public key: changed or forged"),
    "checkpoint_other_key": N_("a checkpoint was signed with another key"),
    "no_checkpoint": N_("the seal key exists but no checkpoint does: checkpoints were deleted, or none was made"),
    "no_public_key": N_("checkpoints exist but there is no public key to check them with"),
    "checkpoint_algorithm": N_("a checkpoint names another algorithm set than the site's: the record of "
                               "the site's algorithms was changed, or the checkpoint is not this site's"),
    "key_algorithm": N_("the public key is of another algorithm set than the site's log"),
}


def _verify_signature(public_key: suites.PublicKey, signature_hex: str, message: bytes) -> bool:
    try:
        signature = bytes.fromhex(signature_hex)
    except (ValueError, TypeError):
        return False
    return public_key.verify(signature, message)


def _check_checkpoints(checkpoints: list[dict], public_key, report: SealReport) -> list[dict]:
    """The checkpoints that hold (in id order); the first problem goes on the report."""
    good, prev_digest, expected = [], GENESIS, 1
    fingerprint = fingerprint_of(public_key) if public_key is not None else None
    if public_key is not None and public_key.suite != report.algorithm:
        report.checkpoint_problem, report.checkpoint_detail = "key_algorithm", f"{public_key.suite}, not {report.algorithm}"
    for cp in sorted(checkpoints, key=lambda c: int(c["id"])):
        if report.checkpoint_problem:
            break
        cid = int(cp["id"])
        body = _checkpoint_body(cp)
        if cid != expected or cp["prev_digest"] != prev_digest:
            report.checkpoint_problem, report.bad_checkpoint_id = "checkpoint_missing", expected
            report.checkpoint_detail = f"checkpoint #{expected}"
        elif cp["algorithm"] != report.algorithm:
            report.checkpoint_problem, report.bad_checkpoint_id = "checkpoint_algorithm", cid
            report.checkpoint_detail = f"checkpoint #{cid}: {str(cp['algorithm'])[:40]}, not {report.algorithm}"
        elif public_key is None:
            report.checkpoint_problem = "no_public_key"
        elif cp["key_fingerprint"] != fingerprint:
            report.checkpoint_problem, report.bad_checkpoint_id = "checkpoint_other_key", cid
            report.checkpoint_detail = f"checkpoint #{cid}"
        elif (suites.digest(report.algorithm, body) != cp["digest"]
              or not _verify_signature(public_key, cp["signature"], body)):
            report.checkpoint_problem, report.bad_checkpoint_id = "checkpoint_forged", cid
            report.checkpoint_detail = f"checkpoint #{cid}"
        else:
            good.append(cp)
        prev_digest, expected = cp["digest"], cid + 1
    if public_key is not None and not checkpoints and not report.checkpoint_problem:
        report.checkpoint_problem = "no_checkpoint"
    report.checkpoints = len(checkpoints)
    report.latest = max(checkpoints, key=lambda c: int(c["id"])) if checkpoints else None
    return good


class _ChainChecker:
    """Checks one chain row by row (fed in id order), against its hashes, signatures and checkpoints."""

    def __init__(self, name: str, public_key, checkpoints: list[dict], algorithm: str):
        self.name, self.fields, self.key, self.algorithm = name, CHAIN_FIELDS[name], public_key, algorithm
        self.result = ChainResult(name)
        self.prev, self.expected_id = GENESIS, 1
        self.sealed = {int(c[f"{name}_last_id"]): c for c in checkpoints if int(c[f"{name}_last_id"]) > 0}
        # rows after the first checkpoint were written while the key existed: each must be signed
        self.sign_after = min((int(c[f"{name}_last_id"]) for c in checkpoints), default=None)
        self.last_sealed_before = 0

    def feed(self, row: dict) -> bool:
        """Check the next row; False once a problem is found (the rest need not be read)."""
        r = self.result
        row_id, digest = int(row["id"]), row["hash"]
        if row_id != self.expected_id:
            r.fail(self.expected_id, "missing", f"next row is {row_id}")
        elif row["prev_hash"] != self.prev:
            r.fail(row_id, "link")
        elif row_hash(row_id, self.prev, row, self.fields, self.algorithm) != digest:
            r.fail(row_id, "content")
        elif self.key is not None and row.get("sig"):
            if not _verify_signature(self.key, row["sig"], _row_message(self.name, row_id, digest)):
                r.fail(row_id, "signature")
            r.signed += 1
        elif self.key is not None and self.sign_after is not None and row_id > self.sign_after:
            r.fail(row_id, "unsigned")
        if r.ok and row_id in self.sealed:
            cp = self.sealed[row_id]
            if cp[f"{self.name}_last_hash"] != digest:
                r.fail(row_id, "checkpoint", f"checkpoint #{cp['id']}, rows {self.last_sealed_before + 1}-{row_id}")
            self.last_sealed_before = row_id
        if not r.ok:
            return False
        self.prev, self.expected_id, r.rows = digest, row_id + 1, r.rows + 1
        return True

    def finish(self, head: tuple[int, str] | None) -> ChainResult:
        """After the last row: the checkpoints and the chain head must not point past it."""
        r, last = self.result, self.expected_id - 1
        if not r.ok:
            return r
        beyond = [cp_id for cp_id in self.sealed if cp_id > last]
        if beyond:
            return r.fail(last + 1, "truncated", f"the log ends at row {last}, a checkpoint sealed row {max(beyond)}")
        if head is not None and (int(head[0]) != last or head[1] != self.prev):
            return r.fail(last + 1 if int(head[0]) > last else int(head[0]), "head",
                          f"chain head says {head[0]} rows, the log ends at {last}")
        return r


def verify_rows(chains: dict[str, Iterable[dict]], checkpoints: list[dict], public_key=None,
                heads: dict[str, tuple[int, str]] | None = None, algorithm: str | None = None) -> SealReport:
    """Verify plain rows (dicts) of both chains against signed checkpoints with a public key.

    chains: {"event": rows, "audit": rows} in id order; each row has id, prev_hash, hash, sig and the
    chain's fields (foreign keys as ids, `at` a datetime or "%Y-%m-%dT%H:%M:%S.%f"); plain_rows() makes them.
    checkpoints: dicts of Checkpoint's columns (plain_checkpoints()). public_key: PEM, raw or hex, or a key.
    heads: the chain heads, when the rows come from a live database. algorithm: the site's recorded
    algorithm set (suites.py; default: the public key's): the rows are hashed with it, and every checkpoint
    and the key must be of it. No database is touched.
    """
    if isinstance(public_key, (bytes, str)):
        public_key = load_public_key(public_key)
    algorithm = suites.check(algorithm or (public_key.suite if public_key is not None else suites.DEFAULT))
    report = SealReport(chains={}, sealed=public_key is not None, algorithm=algorithm,
                        key_fingerprint=short_fingerprint(fingerprint_of(public_key)) if public_key else None)
    good = _check_checkpoints(list(checkpoints), public_key, report)
    if report.checkpoint_problem == "key_algorithm":
        public_key = None  # rows cannot be checked against a key of the other set; the report says why
    for name in ("event", "audit"):
        checker = _ChainChecker(name, public_key, good, algorithm)
        for row in chains.get(name, ()):
            if not checker.feed(row):
                break
        report.chains[name] = checker.finish((heads or {}).get(name))
    return report


def plain_rows(name: str, batch: int = 5000):
    """A chain's rows as the dicts verify_rows takes, in id order, read in batches (keyset)."""
    model, fields = CHAINS[name]
    columns = [getattr(model, f) for f in fields]
    names = ["id", "prev_hash", "hash", "sig", *fields]
    last = 0
    while True:
        rows = list(model.select(model.id, model.prev_hash, model.hash, model.sig, *columns)
                    .where(model.id > last).order_by(model.id).limit(batch).tuples())
        for row in rows:
            values = dict(zip(names, row, strict=True))
            values["at"] = _norm(values["at"])
            yield values
        if len(rows) < batch:
            return
        last = rows[-1][0]


def plain_checkpoints() -> list[dict]:
    """Every checkpoint as a dict of its columns (`at` as text), in id order."""
    rows = list(Checkpoint.select().order_by(Checkpoint.id).dicts())
    for row in rows:
        row["at"] = _norm(row["at"])
    return rows


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
    if cp["key_fingerprint"] != fingerprint_of(key) or not _verify_signature(key, cp["signature"],
                                                                               _checkpoint_body(cp)):
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
