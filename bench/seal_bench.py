"""What the log seal costs: custody events per second without a signing key, signed with the default set
(SHA-256 chains, Ed25519) and with the national set (SM3 chains, SM2 signatures via tongsuopy, when it is
installed), and `verify-log`'s speed (hashes, signatures and checkpoints) per row for each.

    .venv/bin/python bench/seal_bench.py                  # SQLite, 2,000 events each way
    .venv/bin/python bench/seal_bench.py --events 5000
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import build_world, load, median, percentile  # noqa: E402


def run(folder: Path, events: int, algorithms: str | None) -> dict:
    """algorithms: None (no key), "ed25519-sha256" or "sm2-sm3"."""
    from app.custody import seal, services, signing
    from app.custody.models import Location, Person
    from app.db import db

    signed = algorithms is not None
    name = algorithms or "plain"
    url = f"sqlite:///{folder / (name + '.db')}"
    world = build_world(url, items=200)
    instance = folder / f"instance-{name}"
    seal.configure(lambda: (str(signing.private_path(instance)), str(signing.public_path(instance))))
    if signed:
        with db.connection_context():
            seal.choose_algorithm(algorithms)  # as `custody init-db --algorithms` does, before any row
        seal.ensure_key(algorithms)
    timings = []
    with db.connection_context():
        if signed:
            seal.seal(reason="init")
        ws, shelf = Location.get_by_id(world["ws"]), Location.get_by_id(world["shelf"])
        who = Person.get_by_id(world["person"])
        codes = world["codes"]
        for n in range(events):
            code = codes[(n // 2) % len(codes)]
            t = time.perf_counter()
            if n % 2 == 0:
                services.check_out(code, to=ws, holder=who, actor=who)
            else:
                services.return_to_storage(code, to=shelf, actor=who)
            timings.append(time.perf_counter() - t)
        if signed:
            seal.seal(reason="manual")
        t = time.perf_counter()
        report = seal.verify()
        verify_s = time.perf_counter() - t
    assert report.ok, report
    return {"per_s": events / sum(timings), "median_ms": median(timings) * 1000,
            "p99_ms": percentile(timings, 99) * 1000, "verify_us_per_row": verify_s / events * 1e6}


def primitives(suite: str, n: int = 2000) -> dict:
    """Per operation, in process: a row's chain hash, a row signature, its verification (µs)."""
    from app.custody import audit, suites

    private, _public = suites.generate(suite)
    key = suites.load_private(private)
    public = key.public_key()
    message = b"custody-row\nevent\n123456\n" + b"0" * 64
    values = {"at": "2026-12-04T10:00:00.000000", "kind": "check_out", "item": 1, "note": "会议纪要"}
    out = {}
    t = time.perf_counter()
    for i in range(n):
        audit.row_hash(i, "0" * 64, values, audit.EVENT_FIELDS, suite)
    out["hash_us"] = (time.perf_counter() - t) / n * 1e6
    t = time.perf_counter()
    for _ in range(n):
        signature = key.sign(message)
    out["sign_us"] = (time.perf_counter() - t) / n * 1e6
    t = time.perf_counter()
    for _ in range(n):
        assert public.verify(signature, message)
    out["verify_us"] = (time.perf_counter() - t) / n * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    print(f"seal_bench: {args.events} custody events each way, SQLite (WAL, synchronous=FULL); {load()}")
    try:
        import tongsuopy  # noqa: F401
        sets = [("ed25519-sha256", "default (Ed25519)"), ("sm2-sm3", "national (SM2/SM3)")]
    except ImportError:
        print("  (tongsuopy is not installed: the national set is left out; pip install -e '.[national]')")
        sets = [("ed25519-sha256", "default (Ed25519)")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        plain = run(Path(tmp), args.events, None)
        results.append(("without a key", plain))
        for algorithms, label in sets:
            results.append((label, run(Path(tmp), args.events, algorithms)))
    for name, r in results:
        print(f"  {name:<19} {r['per_s']:8.0f} events/s  median {r['median_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
              f"  verify {r['verify_us_per_row']:.0f} µs/row")
    for name, r in results[1:]:
        print(f"  {name}: signing adds {r['median_ms'] - plain['median_ms']:+.2f} ms per event (median)")
    print("  per operation (in process):")
    for algorithms, label in sets:
        p = primitives(algorithms)
        print(f"  {label:<19} row hash {p['hash_us']:.1f} µs  sign {p['sign_us']:.0f} µs  "
              f"verify {p['verify_us']:.0f} µs")


if __name__ == "__main__":
    main()
