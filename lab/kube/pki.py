"""The lab's own certificate authority: a serving cert for the API servers, an admin client cert,
and the service-account signing key. Generated once per lab directory (lab credentials only)."""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

ADMIN_USER = "drconsole-admin"
ADMIN_GROUP = "system:masters"
SERVICE_IP = "10.0.0.1"  # first address of the planes' --service-cluster-ip-range
_SERVING_NAMES = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                  "kubernetes.default.svc.cluster.local")
_VALID_FOR = datetime.timedelta(days=365)


@dataclass(frozen=True)
class Pki:
    dir: Path

    @property
    def ca_cert(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def serving_cert(self) -> Path:
        return self.dir / "apiserver.crt"

    @property
    def serving_key(self) -> Path:
        return self.dir / "apiserver.key"

    @property
    def admin_cert(self) -> Path:
        return self.dir / "admin.crt"

    @property
    def admin_key(self) -> Path:
        return self.dir / "admin.key"

    @property
    def sa_public_key(self) -> Path:
        return self.dir / "sa.pub"

    @property
    def sa_private_key(self) -> Path:
        return self.dir / "sa.key"


def ensure_pki(directory: Path) -> Pki:
    """Create the CA, certificates and keys unless a complete set is already there."""
    pki = Pki(directory)
    files = (pki.ca_cert, pki.serving_cert, pki.serving_key, pki.admin_cert, pki.admin_key,
             pki.sa_public_key, pki.sa_private_key)
    if all(path.exists() for path in files):
        return pki
    _generate(pki)
    return pki


def _generate(pki: Pki) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    pki.dir.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def name(common: str, org: str | None = None) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
        if org:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
        return x509.Name(attrs)

    def builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + _VALID_FOR))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("drconsole-lab-kube-ca")
    ca = (builder(ca_name, ca_name, ca_key)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))

    def leaf(subject: x509.Name, usage: x509.ObjectIdentifier,
             sans: list[x509.GeneralName] | None) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (builder(subject, ca_name, key)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if sans:
            cert = cert.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return cert.sign(ca_key, hashes.SHA256()), key

    serving_sans: list[x509.GeneralName] = [x509.DNSName(n) for n in _SERVING_NAMES]
    serving_sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", SERVICE_IP)]
    serving, serving_key = leaf(name("kube-apiserver"), ExtendedKeyUsageOID.SERVER_AUTH, serving_sans)
    admin, admin_key = leaf(name(ADMIN_USER, ADMIN_GROUP), ExtendedKeyUsageOID.CLIENT_AUTH, None)
    sa_key = ec.generate_private_key(ec.SECP256R1())

    def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    def cert_pem(cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    _write(pki.serving_key, key_pem(serving_key), private=True)
    _write(pki.admin_key, key_pem(admin_key), private=True)
    _write(pki.sa_private_key, key_pem(sa_key), private=True)
    _write(pki.sa_public_key, sa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    _write(pki.serving_cert, cert_pem(serving))
    _write(pki.admin_cert, cert_pem(admin))
    _write(pki.ca_cert, cert_pem(ca))  # last: its presence with the rest marks a complete set


def _write(path: Path, data: bytes, private: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
