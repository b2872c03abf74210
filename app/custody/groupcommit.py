"""Group commit: many callers' service calls in one transaction, one fsync, then every caller answered.

PERF-NOTES: SQLite with synchronous=FULL manages ~600 durable commits/s one per request; batching
is what lifts it. One writer thread per process takes queued calls, runs each inside its own
savepoint of a shared BEGIN IMMEDIATE transaction (so one refused call rolls back only itself),
commits once, and only then hands each caller its result or its error. A caller is therefore never
told "recorded" before the commit that holds its change is on disk; if the commit fails, every
caller of that batch gets the error and nothing of the batch exists.

On SQLite a batch holds the site's write lock (app.db.sqlite_write_lock), like every other write
transaction, so batches of several processes queue in the kernel, not in SQLite's busy handler.
"""
import os
import queue
import threading
from concurrent.futures import Future

from app.db import db, is_sqlite, sqlite_write_lock

MAX_BATCH = 256
_STOP = object()


class GroupCommitWriter:
    """A writer thread bound to one database: submit(fn) runs fn in the next batch and returns its result."""

    def __init__(self, database, max_batch: int = MAX_BATCH):
        self.database = database
        self.max_batch = max_batch
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.pid = os.getpid()
        self.batches = 0
        self.calls = 0
        self.thread = threading.Thread(target=self._run, name="custody-group-commit", daemon=True)
        self.thread.start()

    def submit(self, fn, *args, **kwargs):
        """Run fn(*args, **kwargs) in the next committed batch; returns its result or raises its error."""
        future: Future = Future()
        self.queue.put((future, fn, args, kwargs))
        return future.result()

    def stop(self) -> None:
        """Finish the queued calls, close the thread's connection and end the thread."""
        self.queue.put(_STOP)
        self.thread.join(timeout=10)

    def _take_batch(self) -> tuple[list, bool]:
        first = self.queue.get()
        if first is _STOP:
            return [], True
        batch, stop = [first], False
        while len(batch) < self.max_batch:
            try:
                job = self.queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                stop = True
                break
            batch.append(job)
        return batch, stop

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._take_batch()
            if batch:
                self._run_batch(batch)
        if not self.database.is_closed():
            self.database.close()

    def _run_batch(self, batch: list) -> None:
        outcomes = []
        try:
            self.database.connect(reuse_if_open=True)
            begin = self.database.atomic("IMMEDIATE") if is_sqlite() else self.database.atomic()
            with sqlite_write_lock(self.database), begin:
                for future, fn, args, kwargs in batch:
                    if not future.set_running_or_notify_cancel():
                        continue
                    try:
                        # a savepoint per call: a refusal (or a bug) undoes this call only
                        with self.database.atomic():
                            outcomes.append((future, True, fn(*args, **kwargs)))
                    except BaseException as err:  # handed to the caller, who re-raises it
                        outcomes.append((future, False, err))
            # the outer block has committed (and fsynced) here: now the answers may go out
        except BaseException as err:
            # the commit (or BEGIN) failed: nothing of this batch is durable, so nobody hears "recorded"
            for future, *_rest in batch:
                if not future.done():
                    future.set_exception(err)
            self._reset_connection()
            return
        finally:
            if not is_sqlite() and not self.database.is_closed():
                self.database.close()  # PostgreSQL: give the pooled connection back between batches
        self.batches += 1
        self.calls += len(outcomes)
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _reset_connection(self) -> None:
        try:
            if not self.database.is_closed():
                self.database.close()
        except Exception:  # a broken connection may fail to close; a fresh one opens next batch
            pass


_writers: dict[int, GroupCommitWriter] = {}
_writers_lock = threading.Lock()


def writer() -> GroupCommitWriter:
    """This process's writer for the database the proxy is bound to (started on first use, after fork)."""
    database = db.obj
    key = id(database)
    current = _writers.get(key)
    if current is not None and current.pid == os.getpid() and current.database is database:
        return current
    with _writers_lock:
        current = _writers.get(key)
        if current is None or current.pid != os.getpid() or current.database is not database:
            current = _writers[key] = GroupCommitWriter(database)
        return current


def submit(fn, *args, **kwargs):
    """Run a write (a service call) in this process's next group commit; returns its result or raises."""
    if db.transaction_depth() > 0:
        # the caller already holds a transaction (and on SQLite perhaps the write lock the writer would
        # wait for): the call simply joins it
        return fn(*args, **kwargs)
    return writer().submit(fn, *args, **kwargs)


def stop_all() -> None:
    """Stop every writer of this process (tests, shutdown)."""
    with _writers_lock:
        items = list(_writers.items())
        _writers.clear()
    for _key, w in items:
        if w.pid == os.getpid():
            w.stop()
