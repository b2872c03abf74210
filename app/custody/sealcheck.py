"""Checking the sealed log (seal.py re-exports all of it): both chains row by row against their hashes, each
row's signature and the signed checkpoints, with the public key of the site's algorithm set.

`verify_rows` works on plain rows (lists of dicts) and touches no database, for an offline verifier of an
exported bundle (completion/verify.py); `plain_rows` and `plain_checkpoints` read them from the database.
The messages signed (a row's, a checkpoint's) are defined here, for the signer and the verifier alike.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from . import suites
from .audit import AUDIT_FIELDS, CHAINS, EVENT_FIELDS, GENESIS, _norm, canonical_json, row_hash
from .errors import N_
from .models import Checkpoint

CHAIN_FIELDS = {"event": EVENT_FIELDS, "audit": AUDIT_FIELDS}


def row_message(chain: str, row_id: int, digest: str) -> bytes:
    """What a row's seal signature signs."""
    return f"custody-row\n{chain}\n{row_id}\n{digest}".encode()


def checkpoint_body(values: dict) -> bytes:
    """What a checkpoint's signature signs (and its digest hashes)."""
    return canonical_json([
        "custody-checkpoint", 1, int(values["id"]), _norm(values["at"]), values["reason"], values["algorithm"],
        values["key_fingerprint"], int(values["event_last_id"]), values["event_last_hash"],
        int(values["audit_last_id"]), values["audit_last_hash"], values["prev_digest"],
    ]).encode()


def short_fingerprint(full: str) -> str:
    """The first 32 hex digits of a fingerprint in groups of four (upper case)."""
    return " ".join(full[i:i + 4].upper() for i in range(0, 32, 4))


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


def verify_signature(public_key: suites.PublicKey, signature_hex: str, message: bytes) -> bool:
    try:
        signature = bytes.fromhex(signature_hex)
    except (ValueError, TypeError):
        return False
    return public_key.verify(signature, message)


def _check_checkpoints(checkpoints: list[dict], public_key, report: SealReport) -> list[dict]:
    """The checkpoints that hold (in id order); the first problem goes on the report."""
    good, prev_digest, expected = [], GENESIS, 1
    fingerprint = public_key.fingerprint() if public_key is not None else None
    if public_key is not None and public_key.suite != report.algorithm:
        report.checkpoint_problem, report.checkpoint_detail = "key_algorithm", f"{public_key.suite}, not {report.algorithm}"
    for cp in sorted(checkpoints, key=lambda c: int(c["id"])):
        if report.checkpoint_problem:
            break
        cid = int(cp["id"])
        body = checkpoint_body(cp)
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
              or not verify_signature(public_key, cp["signature"], body)):
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
            if not verify_signature(self.key, row["sig"], row_message(self.name, row_id, digest)):
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
        public_key = suites.load_public(public_key)
    algorithm = suites.check(algorithm or (public_key.suite if public_key is not None else suites.DEFAULT))
    report = SealReport(chains={}, sealed=public_key is not None, algorithm=algorithm,
                        key_fingerprint=short_fingerprint(public_key.fingerprint()) if public_key else None)
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
