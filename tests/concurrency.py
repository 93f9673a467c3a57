"""Run callables at the same moment on real, separate database connections (one thread each)."""
import threading

from django.db import connections


def run_concurrently(*calls, timeout: float = 30.0) -> list:
    """Start every callable in its own thread behind a barrier and wait for all. Each thread has its own
    database connection, closed when it ends. Returns, in order, each call's result or the exception it
    raised (so a test can assert "one succeeded, the other got Conflict")."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
