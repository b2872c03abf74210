"""`custody readers …` groups the reader commands; the old names (add-reader, approve-reader, reader-token,
check-readers) that scripts and guides use keep working, unlisted."""
import re

from app.custody import readers
from app.custody.models import Reader


def _runner(app, dbconn):
    cli = app.test_cli_runner()

    def invoke(*args):
        result = cli.invoke(args=list(args))
        dbconn.connect(reuse_if_open=True)  # the command closed this thread's connection
        return result

    return invoke


def test_the_help_lists_the_readers_group_not_the_old_names(app, dbconn):
    invoke = _runner(app, dbconn)
    listed = invoke("--help").output
    assert re.search(r"^\s+readers\s", listed, re.M)
    for old in ("add-reader", "approve-reader", "reader-token", "check-readers"):
        assert old not in listed
    group = invoke("readers", "--help").output
    assert [name for name in ("add", "approve", "token", "check") if re.search(rf"^\s+{name}\s", group, re.M)] \
        == ["add", "approve", "token", "check"]


def test_the_group_and_the_old_names_do_the_same(app, dbconn, rsite):
    invoke = _runner(app, dbconn)
    added = invoke("readers", "add", "shelf-a", "--location", "KF-A-01", "--mode", "shelf", "--protocol", "chafon")
    assert added.exit_code == 0, added.output
    secret = re.search(r"Token: (rdr_\S+)", added.output).group(1)
    assert readers.reader_for_token(secret).name == "shelf-a"
    old = invoke("add-reader", "shelf-a", "--location", "KF-A-01", "--mode", "shelf", "--protocol", "chafon")
    assert old.exit_code != 0 and "already exists" in old.output  # the same command, the same refusal
    revoked = invoke("readers", "token", "shelf-a", "--revoke")
    assert revoked.exit_code == 0 and Reader.get(Reader.name == "shelf-a").token_hash is None
    again = invoke("reader-token", "shelf-a")
    assert again.exit_code == 0 and readers.reader_for_token(again.output.strip()).name == "shelf-a"
