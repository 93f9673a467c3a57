"""No full resident ID number in any log line: the request log of a real server (runserver's django.server,
gunicorn's access log), django.request, and anything else that reaches a handler."""
import datetime as dt
import http.client
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application

from apps.core.idnumbers import make_id_number, mask
from apps.core.logging import MaskIdNumbersFilter, mask_id_numbers
from tests.core.test_settings_production import ROOT, clean_env

ID = make_id_number("320508", dt.date(1990, 3, 7), 451)
ID_X = "11010119900307123X"
MASKED = mask(ID)


def test_the_filter_masks_ids_in_the_message_and_its_args():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "lookup %s for %s", (ID, ID_X), None)
    assert MaskIdNumbersFilter().filter(record) is True
    assert record.getMessage() == f"lookup {MASKED} for {mask(ID_X)}"
    assert ID not in record.getMessage() and MASKED.startswith("3205") and MASKED.endswith(ID[-4:])


def test_longer_numbers_and_short_ones_are_left_alone():
    text = f"settlement 1234567890123456789012 reference BA20990101000001 phone 13912345678 id={ID}&x=1"
    assert mask_id_numbers(text) == f"settlement 1234567890123456789012 reference BA20990101000001 " \
                                    f"phone 13912345678 id={MASKED}&x=1"


def test_the_filter_masks_exception_text():
    try:
        raise ValueError(f"no registration for {ID}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    MaskIdNumbersFilter().filter(record)
    out = logging.Formatter().format(record)
    assert ID not in out and MASKED in out


def test_a_gunicorn_style_access_record_is_masked():
    """gunicorn logs the access line as its format string with a dict of atoms as the only argument."""
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms({"h": "203.0.113.7", "l": "-", "u": "-", "t": "[02/Dec/2026:10:00:00 +0800]",
                       "r": f"GET /api/v1/registrations/?id_number={ID} HTTP/1.1", "s": "401", "b": "43",
                       "f": f"https://yidi.example/admin/registration/registration/?q={ID_X}", "a": "curl"})
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"', (atoms,), None)
    MaskIdNumbersFilter().filter(record)
    line = record.getMessage()
    assert ID not in line and ID_X not in line
    assert f"id_number={MASKED}" in line and f"q={mask(ID_X)}" in line


def test_every_configured_handler_carries_the_filter():
    from django.conf import settings

    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_id_numbers" in handler.get("filters", []), name
    for name in ("", "django.server", "django.request", "django"):
        for handler in ours(logging.getLogger(name)):
            assert any(isinstance(f, MaskIdNumbersFilter) for f in handler.filters), (name, handler)


def ours(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers settings.LOGGING put there (pytest adds its own capturing handlers to the root)."""
    return [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]


@contextmanager
def captured(logger_name: str):
    """The text the configured handlers of ``logger_name`` write (their own filters and formatters)."""
    buffer = io.StringIO()
    handlers = ours(logging.getLogger(logger_name))
    assert handlers, logger_name
    old = [h.setStream(buffer) for h in handlers]
    try:
        yield buffer
    finally:
        for h, stream in zip(handlers, old):
            h.setStream(stream)


@contextmanager
def running_server():
    """Django's development server (the one `manage.py runserver` runs) on a free port, in a thread."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.mark.django_db
def test_a_request_with_an_id_number_in_the_query_logs_no_full_id():
    # the server sets Django up again (get_wsgi_application), which builds new handlers: capture after it
    with running_server() as port:
        with captured("django.server") as server_log, captured("") as root_log:
            assert get(port, f"/api/v1/registrations/?id_number={ID}") == 401
            assert get(port, f"/admin/registration/registration/?q={ID}") == 302
            assert get(port, f"/no-such-page/?id_number={ID}") == 404
    written = server_log.getvalue() + root_log.getvalue()
    assert f"/api/v1/registrations/?id_number={MASKED}" in server_log.getvalue()
    assert f"?q={MASKED}" in server_log.getvalue()
    assert ID not in written
    assert "django.request Unauthorized: /api/v1/registrations/" in root_log.getvalue()  # django.request: root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_log_masks_id_numbers_and_shows_the_client_behind_a_trusted_proxy(tmp_path):
    port = _free_port()
    env = clean_env(DEBUG="true", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1",
                    TRUSTED_PROXIES="127.0.0.1", DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:///:memory:"))
    with open(tmp_path / "out", "w") as out, open(tmp_path / "err", "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
                                cwd=ROOT, env=env, stdout=out, stderr=err)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", f"/api/v1/registrations/?id_number={ID}",
                             headers={"X-Forwarded-For": "198.51.100.23"})
                assert conn.getresponse().status == 401
                break
            except ConnectionRefusedError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "err").read_text()
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    access, errors = (tmp_path / "out").read_text(), (tmp_path / "err").read_text()
    assert f"/api/v1/registrations/?id_number={MASKED}" in access, access + errors
    assert access.startswith("198.51.100.23 ")  # the client, not the proxy
    assert ID not in access + errors
