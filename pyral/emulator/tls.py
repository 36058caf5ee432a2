"""A certificate for the emulator's HTTPS mode.

pyral only ever talks ``https://``, so the emulator must be able to serve TLS.  Generating a
throw-away self-signed certificate with the ``openssl`` binary keeps the package free of a
``cryptography`` dependency; callers who need a trusted chain pass their own files instead.
Clients connect with ``verify=False`` (pyral: ``verify_ssl_cert=False``) or trust the file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass


class TLSSetupError(RuntimeError):
    """The certificate could not be produced or loaded; the message says what to do."""


OPENSSL_MISSING = (
    "TLS mode needs the 'openssl' program to generate a self-signed certificate, and it was not "
    "found on PATH. Install openssl, or pass --certfile and --keyfile (PEM files)."
)


@dataclass(frozen=True)
class CertificatePair:
    certfile: str
    keyfile: str
    directory: str | None = None  # set when generated: the temp dir to remove on stop

    def cleanup(self) -> None:
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def generate_self_signed(directory: str | None = None, *, days: int = 30) -> CertificatePair:
    """A fresh key + certificate for CN 127.0.0.1 with SANs 127.0.0.1, ::1 and localhost."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TLSSetupError(OPENSSL_MISSING)
    owned = directory is None
    directory = directory or tempfile.mkdtemp(prefix="pyral-emulator-tls-")
    certfile = os.path.join(directory, "cert.pem")
    keyfile = os.path.join(directory, "key.pem")
    command = [
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
        "-days", str(days), "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
        "-keyout", keyfile, "-out", certfile,
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TLSSetupError(f"openssl could not be run: {exc}") from exc
    if done.returncode != 0 or not (os.path.exists(certfile) and os.path.exists(keyfile)):
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise TLSSetupError(f"openssl failed to create a certificate: {detail[0]}")
    return CertificatePair(certfile, keyfile, directory if owned else None)


def certificate(certfile: str | None = None, keyfile: str | None = None) -> CertificatePair:
    """The caller's PEM files when given (key may live in the cert file), else a generated pair."""
    if certfile:
        for path in filter(None, (certfile, keyfile)):
            if not os.path.isfile(path):
                raise TLSSetupError(f"certificate file not found: {path}")
        return CertificatePair(certfile, keyfile or certfile)
    if keyfile:
        raise TLSSetupError("--keyfile needs --certfile")
    return generate_self_signed()


def server_context(pair: CertificatePair) -> ssl.SSLContext:
    """A server-side TLS context loaded with ``pair``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(pair.certfile, pair.keyfile)
    except (ssl.SSLError, OSError) as exc:
        raise TLSSetupError(f"cannot load certificate/key: {exc}") from exc
    return context


#: the first byte of every TLS connection (a handshake record); anything else is plain text.
TLS_HANDSHAKE_BYTE = 0x16
#: how much of a plain-HTTP request head is read before answering (the rest is discarded).
PLAIN_HEAD_LIMIT = 64 * 1024
_DRAIN_SECONDS = 2.0  # how long a redirected plain-HTTP client may keep sending
_DRAIN_LIMIT = 8 << 20  # and how much of it is read before the close


def is_plain_http(first: bytes) -> bool:
    """Does a connection's first byte say plain HTTP rather than a TLS handshake?

    Only letters start an HTTP request line (``GET``, ``POST``...), so a client speaking
    ``http://`` to the HTTPS port is told apart from TLS without consuming a byte.
    """
    return bool(first) and first[0] != TLS_HANDSHAKE_BYTE and first[:1].isalpha()


def redirect_target(head: bytes, fallback_host: str) -> str:
    """The ``https://`` URL a plain-HTTP request head asked for (its Host, else ours)."""
    text = head.decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    parts = lines[0].split() if lines else []
    target = parts[1] if len(parts) >= 2 else "/"
    if "://" in target:  # absolute-form: keep only the path and query
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    if not target.startswith("/"):
        target = "/" + target
    host = fallback_host
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "host" and value.strip():
            host = value.strip()
            break
    safe_target = "".join(ch for ch in target if 32 < ord(ch) < 127)
    safe_host = "".join(ch for ch in host if 32 < ord(ch) < 127 and ch not in "/\\?#@")
    return f"https://{safe_host or fallback_host}{safe_target}"


def redirect_method(head: bytes) -> str:
    """The request method of a plain-HTTP request head (upper case; "" when unreadable)."""
    first = head.split(b"\n", 1)[0].decode("latin-1").split()
    return first[0].upper() if first else ""


def redirect_response(location: str, method: str = "GET") -> bytes:
    """Rally's answer to ``http://``: a permanent redirect to the ``https://`` URL.

    GET and HEAD get 301.  Any other method gets 308, the permanent redirect that keeps the
    method and the body: after a 301, clients re-send a POST as a body-less GET (and requests
    drops a PUT's body), so an update would silently turn into a read and a create into an
    empty one.  With 308 the write reaches the HTTPS service intact.
    """
    status = "301 Moved Permanently" if method in ("GET", "HEAD", "") else "308 Permanent Redirect"
    body = b""
    return (
        f"HTTP/1.1 {status}\r\n"
        f"Location: {location}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("latin-1") + body


def answer_plain_http(sock: socket.socket, fallback_host: str) -> None:
    """Read a plain-HTTP request head from ``sock`` and answer it with the redirect."""
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head and len(head) < PLAIN_HEAD_LIMIT:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    sock.sendall(redirect_response(redirect_target(head, fallback_host), redirect_method(head)))
    _drain(sock)


def _drain(sock: socket.socket) -> None:
    """Read (and drop) what the client still sends, such as a write's body, before closing.

    Closing a socket with unread data makes the kernel answer with a reset, which can reach
    the client before it has read the redirect; it would then see a dropped connection.
    Bounded in time and size so a client that never stops cannot hold the thread.
    """
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
    sock.settimeout(_DRAIN_SECONDS)
    total = 0
    with contextlib.suppress(OSError):
        while total < _DRAIN_LIMIT:
            chunk = sock.recv(65536)
            if not chunk:
                break
            total += len(chunk)
