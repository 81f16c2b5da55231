"""A throwaway certificate, so a reference target can serve https (``--target-option tls=true``).

The transport checks (SEC-TRANSPORT-HSTS) only mean something over TLS. The certificate is
self-signed for the loopback address the target listens on, made fresh at every start with
``cryptography`` (already a dependency), and written with its key to a temporary file that the
run's client trusts as its only CA.
"""

from __future__ import annotations

import datetime
import ipaddress
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Certificate:
    """``pem`` holds the private key then the certificate: uvicorn's certfile and keyfile, and the client's CA."""

    pem: Path
    cert_pem: Path


def self_signed(host: str) -> Certificate:
    """A one-day certificate for ``host`` (an IP address or a name), with its key, in a temporary folder."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"authconform reference target {host}")])
    try:
        alternative: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alternative = x509.DNSName(host)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([alternative]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="authconform-tls-"))
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    (folder / "server.pem").write_bytes(key_pem + cert_pem)
    (folder / "ca.pem").write_bytes(cert_pem)
    return Certificate(folder / "server.pem", folder / "ca.pem")
