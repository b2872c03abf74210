"""What the log seal costs: custody events per second with and without the signing key (each event
signed with Ed25519), and `verify-log`'s speed (hashes, signatures and checkpoints) per row.

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


def run(folder: Path, events: int, signed: bool) -> dict:
    from app.custody import seal, services, signing
    from app.custody.models import Location, Person
    from app.db import db

    url = f"sqlite:///{folder / ('signed.db' if signed else 'plain.db')}"
    world = build_world(url, items=200)
    instance = folder / ("instance-signed" if signed else "instance-plain")
    seal.configure(lambda: (str(signing.private_path(instance)), str(signing.public_path(instance))))
    if signed:
        seal.ensure_key()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    print(f"seal_bench: {args.events} custody events each way, SQLite (WAL, synchronous=FULL); {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        plain = run(Path(tmp), args.events, signed=False)
        signed = run(Path(tmp), args.events, signed=True)
    for name, r in (("without a key", plain), ("signed (Ed25519)", signed)):
        print(f"  {name:<17} {r['per_s']:8.0f} events/s  median {r['median_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
              f"  verify {r['verify_us_per_row']:.0f} µs/row")
    print(f"  signing adds {signed['median_ms'] - plain['median_ms']:+.2f} ms per event (median)")


if __name__ == "__main__":
    main()
