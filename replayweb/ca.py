"""A throw-away certificate authority: a CA made at start-up, and per-host leaf
certificates signed by it, so TLS inside a CONNECT tunnel shows the outlet's own name."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CertificateAuthority"]


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class CertificateAuthority:
    """A CA generated into ``directory`` (a fresh temp dir by default).

    ``cert_path`` is the CA certificate (PEM) for clients to trust; ``context_for(host)``
    returns a cached server ``SSLContext`` whose certificate names ``host``.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self._owned = directory is None
        self.directory = (
            Path(tempfile.mkdtemp(prefix="replayweb-ca-")) if directory is None else Path(directory)
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        self._not_before = now - dt.timedelta(days=1)
        self._not_after = now + dt.timedelta(days=825)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "kliping replayweb CA"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kliping"),
            ]
        )
        ski = x509.SubjectKeyIdentifier.from_public_key(self._key.public_key())
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self._aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        self.cert_path = self.directory / "ca.pem"
        self.cert_path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))
        self.key_path = self.directory / "ca-key.pem"
        self.key_path.write_bytes(_pem_key(self._key))
        self.key_path.chmod(0o600)
        # One key pair for every leaf: signing a certificate is cheap, key generation less so.
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        self._leaf_key_path = self.directory / "leaf-key.pem"
        self._leaf_key_path.write_bytes(_pem_key(self._leaf_key))
        self._leaf_key_path.chmod(0o600)
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def cert_pem(self) -> bytes:
        """The CA certificate in PEM."""
        return self.cert_path.read_bytes()

    def leaf_cert(self, host: str) -> x509.Certificate:
        """A new leaf certificate for ``host`` (DNS name or IP address) signed by this CA."""
        try:
            san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            san = x509.DNSName(host)
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
            .issuer_name(self._cert.subject)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_after)
            .add_extension(x509.SubjectAlternativeName([san]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._leaf_key.public_key()), critical=False
            )
            .add_extension(self._aki, critical=False)
            .sign(self._key, hashes.SHA256())
        )

    def context_for(self, host: str) -> ssl.SSLContext:
        """Server-side ``SSLContext`` presenting a certificate for ``host`` (cached)."""
        host = host.lower().strip("[]")
        ctx = self._contexts.get(host)
        if ctx is not None:
            return ctx
        with self._lock:
            ctx = self._contexts.get(host)
            if ctx is None:
                cert = self.leaf_cert(host)
                safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)[:200]
                chain = self.directory / f"leaf-{safe}.pem"
                chain.write_bytes(
                    cert.public_bytes(serialization.Encoding.PEM)
                    + self._cert.public_bytes(serialization.Encoding.PEM)
                )
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(chain, self._leaf_key_path)
                ctx.set_alpn_protocols(["http/1.1"])
                self._contexts[host] = ctx
        return ctx

    def cleanup(self) -> None:
        """Remove the generated files (only when the directory was a temp dir made here)."""
        if self._owned:
            shutil.rmtree(self.directory, ignore_errors=True)
