"""Outbound calls fail fast (the package's outbound.py) and the editor learns why
an embed cannot be found (embeds.py and the chooser template), through the real
admin embed chooser of the running site (logged-in HTTP client against the start
command + gunicorn); the default socket timeout does not cut slow clients.

The site's only ways out are loopback "proxy" ports, so no packet leaves the
machine: https_proxy is a port that drops every connection attempt
(support.DroppingPort), as a VPC without NAT drops packets to the internet, so
the oEmbed lookup for a YouTube URL (https endpoint) waits to connect there;
http_proxy is a port that accepts connections but never answers, so the lookup
for a Cacoo URL (http endpoint) waits for a response there."""

import json
import socket
import time

import pytest
import requests

from wagtail.embeds.finders import oembed

from wagtail_scale_to_zero_runtime.defaults import DEFAULTS_FILE

from .conftest import ADMIN_PASSWORD, app_env
from .support import AppProcess, DroppingPort, csrf_token, log_in

HINT = "This site has no internet access"
TIMEOUT = json.loads(DEFAULTS_FILE.read_text())["OUTBOUND_CONNECT_TIMEOUT"]
# Wagtail 7 fetches oEmbed with urlopen and no timeout of its own: the default
# socket timeout cuts it. Wagtail 8 fetches with requests and its own 10 s timeout,
# which the default socket timeout does not shorten.
LOOKUP_TIMEOUT = 10 if hasattr(oembed, "requests") else TIMEOUT


@pytest.fixture(scope="module")
def app(pg, migrated_template, log_dir):
    dropping = DroppingPort()
    silent = socket.create_server(("127.0.0.1", 0), backlog=8)  # the kernel accepts; nobody answers
    db = pg.create_database("t_outbound", template=migrated_template)
    app = AppProcess(app_env(pg.url(db), https_proxy=f"http://127.0.0.1:{dropping.port}",
                             http_proxy=f"http://127.0.0.1:{silent.getsockname()[1]}", no_proxy="127.0.0.1,localhost"),
                     str(log_dir / "outbound.log")).start()
    app.wait_healthy()
    yield app
    app.stop()
    dropping.close()
    silent.close()


def choose_embed(session, base, url):
    form = session.get(base + "/admin/embeds/chooser/", timeout=30).json()["html"]
    started = time.monotonic()
    r = session.post(base + "/admin/embeds/chooser/upload/", timeout=120,
                     data={"csrfmiddlewaretoken": csrf_token(form), "embed-chooser-url": url})
    assert r.status_code == 200, r.text[-500:]
    return r.json()["html"], time.monotonic() - started


def test_embed_lookup_without_internet_fails_fast_and_says_why(app, metrics):
    session = log_in(requests.Session(), app.base, "admin", ADMIN_PASSWORD)

    html, seconds = choose_embed(session, app.base, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    metrics["embed_lookup_seconds_without_internet"] = round(seconds, 1)
    assert "Cannot find an embed for this URL." in html
    assert HINT in html and "wagtail-scale-to-zero#outbound-internet" in html
    # Cut by the timeout, far below the ~2 minutes of TCP retries.
    assert LOOKUP_TIMEOUT - 0.5 <= seconds < LOOKUP_TIMEOUT + 5, seconds

    # Connected, but no answer: cut by the same timeout, same message.
    html, seconds = choose_embed(session, app.base, "https://cacoo.com/diagrams/abc")
    assert HINT in html and LOOKUP_TIMEOUT - 0.5 <= seconds < LOOKUP_TIMEOUT + 5, seconds

    # Not a network failure (no provider for this URL, nothing fetched): no hint.
    html, seconds = choose_embed(session, app.base, "https://www.example.com/a-page")
    assert "Cannot find an embed for this URL." in html and HINT not in html
    assert seconds < 5


def test_a_slow_client_is_not_cut_by_the_default_socket_timeout(app):
    """gunicorn's gthread worker reads requests on blocking sockets without a timeout."""
    with socket.create_connection(("127.0.0.1", app.port), timeout=60) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(TIMEOUT + 2)
        client.sendall(b"Connection: close\r\n\r\n")
        response = client.makefile("rb").read()
    assert response.startswith(b"HTTP/1.1 200 ") and b"\r\n\r\n3\r\nok\n" in response, response
