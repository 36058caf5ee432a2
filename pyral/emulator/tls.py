"""A certificate for the emulator's HTTPS mode.

pyral only ever talks ``https://``, so the emulator must be able to serve TLS.  Generating a
throw-away self-signed certificate with the ``openssl`` binary keeps the package free of a
``cryptography`` dependency; callers who need a trusted chain pass their own files instead.
Clients connect with ``verify=False`` (pyral: ``verify_ssl_cert=False``) or trust the file.
"""

from __future__ import annotations

import os
import shutil
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
