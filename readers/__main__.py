"""custody-reader: run a serial RFID/barcode reader against the custody server, or simulate one.

  custody-reader run --config reader.toml
  custody-reader run --port /dev/ttyUSB0 --protocol rdm6300 --server http://10.0.0.5:8000 \\
                     --token-file door.token --spool /var/lib/custody-reader/door.db
  custody-reader simulate --protocol rdm6300 --tags 62E3086CED,01000734E0 --port /dev/pts/7
  custody-reader simulate --protocol chafon --tags E28011606000020000000005 --listen 127.0.0.1:7002 --repeat 0
  custody-reader demo --server http://127.0.0.1:8000 --door-token … --shelf-token …
"""
import argparse
import logging
import os
import signal
import subprocess
import sys
import threading

from .config import ConfigError, load
from .protocols import REGISTRY


def _split(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def _options(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        if not key or not _:
            raise ConfigError(f"--option wants KEY=VALUE, not {pair!r}")
        out[key.strip()] = {"true": True, "false": False}.get(value.strip().lower(), value.strip())
    return out


def cmd_run(args) -> int:
    from .daemon import Daemon

    try:
        config = load(args.config, port=args.port, protocol=args.protocol, server=args.server, token=args.token,
                      token_file=args.token_file, spool=args.spool, baudrate=args.baudrate, mode=args.mode,
                      heartbeat_seconds=args.heartbeat, debounce_seconds=args.debounce,
                      cycle_seconds=args.cycle, missed_cycles=args.missed_cycles,
                      options=_options(args.option) or None, log_level=args.log_level)
    except ConfigError as err:
        print(f"custody-reader: configuration error: {err}", file=sys.stderr)
        return 2
    logging.basicConfig(level=getattr(logging, config.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    daemon = Daemon(config)
    daemon.install_signal_handlers()
    return daemon.run()


def cmd_simulate(args) -> int:
    from . import simulate

    tags = _split(args.tags)
    if not tags:
        print("custody-reader: give --tags", file=sys.stderr)
        return 2
    try:
        options = _options(args.option)
        frames = simulate.frames_for(args.protocol, tags, **options)
    except (ValueError, ConfigError) as err:
        print(f"custody-reader: {err}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.listen:
        host, _, port = args.listen.rpartition(":")
        sink = simulate.TcpServer(host or "127.0.0.1", int(port))
        print(f"listening on {sink.url}", flush=True)
        simulate.wait_for_clients(sink, timeout=args.wait)
    elif args.pty:
        sink = simulate.PtyPair(link=args.link)
        print(sink.link or sink.path, flush=True)
    elif args.port:
        baud = args.baudrate or REGISTRY[args.protocol].default_baudrate
        sink = simulate.PortWriter(args.port, baud)
    else:
        print("custody-reader: give --port, --pty or --listen", file=sys.stderr)
        return 2
    try:
        n = simulate.play(sink, simulate.schedule(frames, args.repeat), args.interval, stop)
    except KeyboardInterrupt:
        n = -1
    finally:
        sink.close()
    if n >= 0:
        print(f"wrote {n} frame(s)", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    """A simulated perimeter door (RDM6300 badges) and shelf (Chafon UHF) feeding two real daemons."""
    from . import simulate

    os.makedirs(args.spool_dir, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    door_tags = _split(args.door_tags)
    # the door: every badge once (the last, unknown one is refused), then the first two every 30 s
    door_plan = [(simulate.frames_for("rdm6300", door_tags), args.door_interval, 1),
                 (simulate.frames_for("rdm6300", door_tags[:2]), 30.0, 0)]
    # the shelf: its volumes answer every inventory round (1 s), so they stay present
    shelf_plan = [(simulate.frames_for("chafon", _split(args.shelf_tags)), 1.0, 0)]
    setups = [("door", "rdm6300", args.door_token, door_plan, "door"),
              ("shelf", "chafon", args.shelf_token, shelf_plan, "shelf")]
    children, threads, servers = [], [], []
    for name, protocol, token, plan, mode in setups:
        if not token:
            continue
        server = simulate.TcpServer()
        servers.append(server)
        cmd = [sys.executable, "-m", "readers", "run", "--port", server.url, "--protocol", protocol,
               "--server", args.server, "--token", token, "--mode", mode,
               "--spool", os.path.join(args.spool_dir, f"demo-{name}.db"), "--heartbeat", "10"]
        children.append(subprocess.Popen(cmd))
        thread = threading.Thread(target=_play_plan, args=(simulate, server, plan, stop), daemon=True)
        thread.start()
        threads.append(thread)
        print(f"simulated {name} reader ({protocol}) on {server.url}", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        stop.set()
    for child in children:
        child.terminate()
    for child in children:
        child.wait(timeout=20)
    for server in servers:
        server.close()
    return 0


def _play_plan(simulate, server, plan, stop) -> None:
    simulate.wait_for_clients(server, 60)
    for frames, interval, repeat in plan:
        simulate.play(server, simulate.schedule(frames, repeat), interval, stop)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="custody-reader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="read a serial port and forward every read to the server")
    run.add_argument("--config", help="reader.toml")
    run.add_argument("--port", help="device path or pyserial URL (loop://, socket://host:port, rfc2217://…)")
    run.add_argument("--protocol", choices=sorted(REGISTRY))
    run.add_argument("--server", help="the custody server, e.g. http://10.0.0.5:8000")
    run.add_argument("--token", help="the reader's token (prefer --token-file)")
    run.add_argument("--token-file")
    run.add_argument("--spool", help="spool database file (reads wait here until the server confirms)")
    run.add_argument("--baudrate", type=int)
    run.add_argument("--mode", choices=("door", "shelf", "station"))
    run.add_argument("--heartbeat", type=float, help="seconds between heartbeats")
    run.add_argument("--debounce", type=float, help="seconds a repeated tag stays one read")
    run.add_argument("--cycle", type=float, help="shelf inventory cycle in seconds")
    run.add_argument("--missed-cycles", type=int, help="shelf: cycles unseen before a tag departs")
    run.add_argument("--option", action="append", help="protocol option KEY=VALUE (suffix=cr, variant=288, …)")
    run.add_argument("--log-level")
    run.set_defaults(func=cmd_run)

    sim = sub.add_parser("simulate", help="write real frames for a protocol")
    sim.add_argument("--protocol", required=True, choices=sorted(REGISTRY))
    sim.add_argument("--tags", required=True, help="comma-separated tags (EM4100 hex, EPC hex or barcode text)")
    sim.add_argument("--port", help="device path (e.g. a pty) or pyserial URL to write to")
    sim.add_argument("--pty", action="store_true", help="create a pseudo-terminal pair and print its path")
    sim.add_argument("--link", help="with --pty: a stable symlink to the pty")
    sim.add_argument("--listen", help="HOST:PORT: act as a network serial server (daemon uses socket://)")
    sim.add_argument("--wait", type=float, default=60, help="with --listen: seconds to wait for the daemon")
    sim.add_argument("--interval", type=float, default=0.5, help="seconds between frames")
    sim.add_argument("--repeat", type=int, default=1, help="times through the tags (0: forever)")
    sim.add_argument("--baudrate", type=int)
    sim.add_argument("--option", action="append", help="protocol option KEY=VALUE")
    sim.set_defaults(func=cmd_simulate)

    demo = sub.add_parser("demo", help="a simulated door and shelf feeding the server (README quick start)")
    demo.add_argument("--server", default="http://127.0.0.1:8000")
    demo.add_argument("--door-token", default=os.environ.get("CUSTODY_DEMO_DOOR_TOKEN", ""))
    demo.add_argument("--shelf-token", default=os.environ.get("CUSTODY_DEMO_SHELF_TOKEN", ""))
    demo.add_argument("--door-tags", default="62E3086CED,0500207B32,01000734E0,1F00644BB6")
    demo.add_argument("--shelf-tags", default="E2801160600002000000000A,E2801160600002000000000F")
    demo.add_argument("--spool-dir", default="instance/readers")
    demo.add_argument("--door-interval", type=float, default=3.0, help="seconds between badges at first")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
