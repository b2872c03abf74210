"""custody-reader: runs and simulates serial RFID/barcode readers (see README)."""
import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="custody-reader", description=__doc__)
    parser.add_subparsers(dest="command")
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
