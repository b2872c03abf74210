"""`custody` without CUSTODY_SECRET_KEY: one line saying what to set, no traceback, exit status 2."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

CUSTODY = Path(sys.executable).with_name("custody")


@pytest.mark.parametrize("args", [["--help"], ["init-db"], ["sweep"], []])
def test_a_missing_secret_key_is_one_line_saying_what_to_set(args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CUSTODY_", "FLASK_"))}
    run = subprocess.run([str(CUSTODY), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "CUSTODY_SECRET_KEY" in lines[0] and "secrets.token_hex" in lines[0]


def test_with_the_key_the_help_lists_the_commands(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CUSTODY_", "FLASK_"))}
    env["CUSTODY_SECRET_KEY"] = "x" * 64
    run = subprocess.run([str(CUSTODY), "--help"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "init-db" in run.stdout and "Traceback" not in run.stderr
