"""Verify a completion bundle offline: the manifest's signature, every file's hash, every row, both chains.

Needs only the project installed (and tongsuopy for a national site's bundle): no database, no network,
no Flask. Names each file or row that was changed, added, removed or reordered, and the first row where a
chain breaks. The manifest names the site's algorithm set (suites.py); the signature, the checkpoints and
the chains are checked with it, and a bundle whose key or checkpoints are of the other set is refused.
"""
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

from .. import suites
from ..errors import CustodyError
from ..signing import fingerprint
from . import rows as R

CHAINS = ("event", "audit")
HASH_LABEL = {"sha256": "SHA-256", "sm3": "SM3"}
FK = {"item", "actor", "user", "holder", "src", "dst", "reader"}


@dataclass
class Problem:
    file: str
    row: int | None
    what: str

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row is not None else self.file
        return f"{where}: {self.what}"


@dataclass
class BundleReport:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    rows: int = 0
    fingerprint: str = ""
    algorithm: str = suites.DEFAULT

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, file: str, row: int | None, what: str) -> None:
        self.problems.append(Problem(file, row, what))


def _check_signature(zf, names, body: bytes, trusted_pem: bytes | None, algorithm: str,
                     report: BundleReport) -> None:
    if R.SIGNATURE not in names:
        if trusted_pem is not None:
            report.add(R.MANIFEST, None, "the bundle is not signed")
        else:
            report.notes.append("the bundle is not signed")
        return
    embedded = zf.read(R.PUBLIC_KEY) if R.PUBLIC_KEY in names else None
    key_pem = trusted_pem or embedded
    if key_pem is None:
        report.add(R.SIGNATURE, None, "no public key to check the signature with")
        return
    report.fingerprint = fingerprint(key_pem)
    if trusted_pem is not None and embedded is not None and embedded.strip() != trusted_pem.strip():
        report.add(R.SIGNATURE, None, "signed with another key than the one given")
    try:
        key = suites.load_public(key_pem)
    except (ValueError, TypeError):
        report.add(R.PUBLIC_KEY, None, "the public key cannot be read")
        return
    if key.suite != algorithm:
        report.add(R.SIGNATURE, None, f"the manifest names the algorithms {algorithm}, but the key is "
                                      f"{key.suite}: refused")
    elif not key.verify(zf.read(R.SIGNATURE), body):
        report.add(R.SIGNATURE, None, "the manifest's signature does not match (changed, or another key)")
    if trusted_pem is None:
        report.notes.append(f"signed by the key in the bundle, fingerprint {report.fingerprint}: compare it "
                            "with the fingerprint printed on the site's reports")


def _file_hash(zf, name: str, hash_name: str) -> str:
    sha = suites.new_hash(hash_name)
    with zf.open(name) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _locate(got: Iterator[str], expected: Iterator[str]) -> tuple[int, str] | None:
    """The first data row (1-based) where a file's rows differ from the signed list, and how.
    Streams both; looks two rows ahead at the first difference."""
    got, expected = iter(got), iter(expected)
    n = 0
    for g, e in zip_longest(got, expected):
        n += 1
        if g == e:
            continue
        if g is None:
            return n, "removed (the file ends early)"
        if e is None:
            return n, "added (not in the signed list)"
        g2, e2 = next(got, None), next(expected, None)
        if g == e2 and g2 == e:
            return n, f"reordered (rows {n} and {n + 1} swapped)"
        if g == e2:
            return n, "removed"
        if g2 == e:
            return n, "added (not in the signed list)"
        return n, "changed"
    return None


def _text(zf, name: str):
    return io.TextIOWrapper(zf.open(name), encoding="utf-8", newline="")


def _file_digests(zf, name: str, hash_name: str) -> Iterator[str]:
    """Each data row's digest, streamed (CSV: its cells as text; JSON Lines: its canonical line)."""
    with _text(zf, name) as fh:
        if name.endswith(".csv"):
            reader = csv.reader(R.strip_bom(fh))
            next(reader, None)
            for row in reader:
                yield R.row_digest(row, hash_name)
        else:
            for line in fh:
                if line.strip():
                    yield R.line_digest(R.canonical(json.loads(line)), hash_name)


def _hash_list(zf, name: str) -> Iterator[str]:
    with _text(zf, name) as fh:
        for line in fh:
            if line.strip():
                yield line.strip()


def verify_bundle(path: Path, trusted_public_pem: bytes | None = None) -> BundleReport:
    """Check a bundle; the report lists every problem found (empty: intact)."""
    report = BundleReport()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.add(str(path), None, f"not a readable zip file ({exc.__class__.__name__})")
        return report
    with zf:
        names = set(zf.namelist())
        if R.MANIFEST not in names:
            report.add(R.MANIFEST, None, "missing")
            return report
        body = zf.read(R.MANIFEST)
        try:
            manifest = json.loads(body)
        except ValueError:
            report.add(R.MANIFEST, None, "not valid JSON")
            return report
        if manifest.get("format") != R.FORMAT:
            report.add(R.MANIFEST, None, f"unknown format {manifest.get('format')!r}")
            return report
        algorithm = manifest.get("algorithm", suites.DEFAULT)  # bundles made before the choice existed
        if algorithm not in suites.SUITES:
            report.add(R.MANIFEST, None, f"unknown algorithms {str(algorithm)[:40]!r}")
            return report
        report.algorithm = algorithm
        hash_name = manifest.get("hash", "sha256")
        if hash_name not in suites.HASH_OF.values():
            report.add(R.MANIFEST, None, f"unknown hash {str(hash_name)[:20]!r}")
            return report
        try:
            _check_signature(zf, names, body, trusted_public_pem, algorithm, report)
        except CustodyError as err:  # a national bundle on a machine without tongsuopy
            report.add(R.SIGNATURE, None, err.message)
            return report
        listed = {f["path"]: f for f in manifest.get("files", [])}
        for extra in sorted(names - set(listed) - {R.MANIFEST, R.SIGNATURE, R.PUBLIC_KEY}):
            report.add(extra, None, "added (not in the manifest)")
        intact: set[str] = set()
        for name, entry in listed.items():
            if name not in names:
                report.add(name, None, "removed (listed in the manifest, not in the bundle)")
                continue
            report.files += 1
            if _file_hash(zf, name, hash_name) == entry.get(hash_name):
                intact.add(name)
            elif not name.startswith("data/"):
                report.add(name, None, f"changed (its {HASH_LABEL[hash_name]} differs from the manifest)")
        for name in sorted(n for n in listed if n.startswith("data/") and n in names):
            entry = listed[name]
            report.rows += entry.get("rows", 0) if name.endswith(".csv") else 0
            if name in intact:
                continue
            hashes = "hashes/" + name[len("data/"):] + ".rows"
            if hashes not in intact:
                report.add(name, None, f"changed (its {HASH_LABEL[hash_name]} differs from the manifest)")
                continue
            try:
                found = _locate(_file_digests(zf, name, hash_name), _hash_list(zf, hashes))
            except (ValueError, UnicodeDecodeError, csv.Error):
                report.add(name, None, "changed (cannot be read as UTF-8 CSV / JSON Lines)")
                continue
            if found:
                report.add(name, found[0], found[1])
            else:
                report.add(name, None, "changed (its bytes differ, its rows do not: quoting or line ends)")
        tables = manifest.get("chain_tables", {})
        names_of = {chain: f"data/{tables.get(chain, chain)}.jsonl" for chain in CHAINS}
        if all(n in listed and n in names for n in names_of.values()):
            _check_chains(zf, names_of, "data/checkpoint.jsonl" if "data/checkpoint.jsonl" in names else None,
                          trusted_public_pem or (zf.read(R.PUBLIC_KEY) if R.PUBLIC_KEY in names else None),
                          manifest.get("chains", {}), algorithm, report)
    return report


def _jsonl_rows(zf, name: str, fk_columns: dict[str, str]):
    """A chain file's rows as the dicts seal.verify_rows takes (foreign keys under their field names)."""
    with _text(zf, name) as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                for field_name, column in fk_columns.items():
                    row[field_name] = row.get(column)
                yield row


def _check_chains(zf, names_of, checkpoint_file, public_pem, heads, algorithm: str, report: BundleReport) -> None:
    """Both chains recomputed from the bundle and checked against the signed checkpoints and each row's
    seal signature, with the site's public key (app.custody.seal.verify_rows: the same check as verify-log)."""
    from .. import seal

    try:
        checkpoints = [json.loads(line) for line in zf.read(checkpoint_file).decode("utf-8").splitlines()
                       if line.strip()] if checkpoint_file else []
        fk = {f: f + "_id" for f in FK}
        result = seal.verify_rows({chain: _jsonl_rows(zf, name, fk) for chain, name in names_of.items()},
                                  checkpoints, public_pem,
                                  {c: (h["last_id"], h["last_hash"]) for c, h in heads.items()}, algorithm)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, CustodyError):
        report.add("data/checkpoint.jsonl", None, "the checkpoints or the chains cannot be read")
        return
    if result.checkpoint_problem:
        report.add("data/checkpoint.jsonl", result.bad_checkpoint_id,
                   f"{seal.PROBLEMS[result.checkpoint_problem]} {result.checkpoint_detail}".strip())
    for chain, found in result.chains.items():
        if not found.ok:
            report.add(names_of[chain], found.first_bad_id,
                       f"{chain} chain: {seal.PROBLEMS.get(found.problem, found.problem)} {found.detail}".strip())
    if result.latest:
        report.notes.append(f"{result.checkpoints} signed checkpoint(s); the last one, #{result.latest['id']}, "
                            f"reads {seal.short_code(result.latest)} on paper")
