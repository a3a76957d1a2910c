"""Run inside ``unshare -rn`` (a network namespace of its own, only loopback up): a
public-looking page at 192.88.99.1 redirects to the cloud metadata address, a private and a
loopback address, each with a listener that counts the connections it gets; and a name that
resolves to the public address once and to the metadata address after (DNS rebinding).
Prints one JSON object of what each fetch said and how many connections each listener got.

Nothing here can reach a real address: the namespace has no other interface.
"""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
from typing import Any

PUBLIC = "192.88.99.1"  # is_global, and in this namespace only on loopback
TARGETS = {"metadata": "169.254.169.254", "private": "10.11.12.13", "loopback": "127.0.0.2"}


def up() -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for address in (PUBLIC, *TARGETS.values()):
        if not address.startswith("127."):
            subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", "lo"], check=True)


def counter(address: str, counts: dict[str, int], name: str) -> None:
    """A listener on ``address``:80 that counts connections and answers a small page."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, 80))
    server.listen()

    def serve() -> None:
        while True:
            conn, _ = server.accept()
            counts[name] += 1
            conn.recv(65536)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsecret-token")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()


def public_site() -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            kind = self.path.strip("/")
            if kind in TARGETS:
                self.send_response(302)
                self.send_header("Location", f"http://{TARGETS[kind]}/latest/meta-data/")
                self.end_headers()
                return
            body = b"a public page"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((PUBLIC, 80), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main() -> None:
    up()
    counts = dict.fromkeys(TARGETS, 0)
    for name, address in TARGETS.items():
        counter(address, counts, name)
    public_site()
    from index.fetch import WebError
    from index.web import WebFetcher

    results: dict[str, Any] = {}

    def attempt(label: str, fetcher: WebFetcher, url: str) -> None:
        try:
            results[label] = "fetched: " + fetcher.fetch(url).data.decode()
        except WebError as exc:
            results[label] = f"refused: {exc}"

    strict, lenient = WebFetcher(timeout=3), WebFetcher(timeout=3, allow_private=True)
    attempt("public", strict, f"http://{PUBLIC}/")
    for kind in TARGETS:
        attempt(f"{kind} redirect", strict, f"http://{PUBLIC}/{kind}")
        attempt(f"{kind} direct", strict, f"http://{TARGETS[kind]}/")
    attempt("metadata redirect, allow_private", lenient, f"http://{PUBLIC}/metadata")
    attempt("metadata direct, allow_private", lenient, "http://169.254.169.254/")
    before = dict(counts)

    # DNS rebinding: the first lookup of the name says public, every later one metadata
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "news.rebind.test":
            lookups.append(host)
            address = PUBLIC if len(lookups) == 1 else TARGETS["metadata"]
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    socket.getaddrinfo = rebinding
    attempt("rebinding", strict, "http://news.rebind.test/")
    results["rebinding lookups"] = len(lookups)
    results["connections before rebinding"] = before
    results["connections"] = counts
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
