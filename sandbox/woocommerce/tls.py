"""A throw-away self-signed certificate so the simulator can serve HTTPS.

WooCommerce accepts Basic auth only when ``is_ssl()``; a realistic test of the production
path therefore needs TLS. :func:`self_signed_cert` writes a key and a certificate for
``localhost`` / ``127.0.0.1`` / ``::1`` into a temporary directory (once per process) and
returns their paths for ``uvicorn`` (``ssl_certfile``/``ssl_keyfile``). Clients must skip
verification (``verify=False``, ``verify_ssl=False``) or trust the returned certificate.
"""

from __future__ import annotations

import atexit
import ipaddress
import shutil
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_lock = threading.Lock()
_cached: tuple[str, str] | None = None


def write_self_signed_cert(directory: Path, common_name: str = "localhost") -> tuple[str, str]:
    """Write ``cert.pem`` and ``key.pem`` into ``directory``; return (certfile, keyfile)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile = directory / "cert.pem"
    keyfile = directory / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certfile), str(keyfile)


def self_signed_cert() -> tuple[str, str]:
    """(certfile, keyfile) in a temporary directory removed at interpreter exit."""
    global _cached
    with _lock:
        if _cached is None:
            directory = Path(tempfile.mkdtemp(prefix="woo-sim-tls-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            _cached = write_self_signed_cert(directory)
        return _cached
