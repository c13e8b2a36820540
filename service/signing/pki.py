"""A demo certificate authority so the whole signing flow runs on a fresh machine, offline.

Production reads keys and trust roots from the configuration; nothing here is for real use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_NAME = "Vanthu Demo Root CA"
CRL_NAME = "root"
_ROOT_YEARS = 10
_LEAF_YEARS = 3
_CRL_DAYS = 7


@dataclass(frozen=True)
class Identity:
    """Someone (or, with seal=True, the agency itself) who gets a demo certificate."""

    key_id: str
    common_name: str
    organisation: str
    email: str = ""
    seal: bool = False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _key_usage(*, ca: bool = False, non_repudiation: bool = False) -> x509.KeyUsage:
    """A CA signs certificates and CRLs; a person's or the agency's key signs documents (with
    non-repudiation); the TSA's signs timestamps only."""
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _name(common_name: str, organisation: str = "", email: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if email:
        parts.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(parts)


@dataclass
class DemoPki:
    """The demo CA in `folder`: root, TSA, one PKCS#12 per identity, and the root's CRL."""

    folder: Path
    base_url: str
    root_cert: x509.Certificate
    root_key: rsa.RSAPrivateKey
    tsa_cert: x509.Certificate
    tsa_key: rsa.RSAPrivateKey

    passphrase = "vanthu-demo"
    """Passphrase of every demo PKCS#12 file: demo only, never for real keys."""

    @property
    def root_path(self) -> Path:
        return self.folder / "root.pem"

    @property
    def keys_folder(self) -> Path:
        return self.folder / "keys"

    @property
    def crl_path(self) -> Path:
        return self.folder / "crl" / f"{CRL_NAME}.crl"

    @property
    def crl_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/crl/{CRL_NAME}.crl"

    def key_path(self, key_id: str) -> Path:
        return self.keys_folder / f"{key_id}.p12"

    @classmethod
    def ensure(
        cls, folder: Path, agency: str, people: Sequence[Identity], base_url: str
    ) -> DemoPki:
        """Create the CA once (or load it), issue a key to everyone missing one, refresh the CRL."""
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / "root.pem").exists():
            pki = cls._load(folder, base_url)
        else:
            pki = cls._create(folder, agency, base_url)
        for person in people:
            if not pki.key_path(person.key_id).exists():
                pki.issue(person)
        pki.refresh_crl()
        return pki

    @classmethod
    def _load(cls, folder: Path, base_url: str) -> DemoPki:
        def cert(name: str) -> x509.Certificate:
            return x509.load_pem_x509_certificate((folder / name).read_bytes())

        def key(name: str) -> rsa.RSAPrivateKey:
            loaded = serialization.load_pem_private_key((folder / name).read_bytes(), None)
            assert isinstance(loaded, rsa.RSAPrivateKey)
            return loaded

        return cls(
            folder, base_url, cert("root.pem"), key("root.key"), cert("tsa.pem"), key("tsa.key")
        )

    @classmethod
    def _create(cls, folder: Path, agency: str, base_url: str) -> DemoPki:
        root_key = _new_key()
        name = _name(ROOT_NAME, agency)
        now = _now()
        ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * _ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(ski, critical=False)
            .sign(root_key, hashes.SHA256())
        )
        (folder / "root.key").write_bytes(_key_pem(root_key))
        (folder / "root.pem").write_bytes(root_cert.public_bytes(serialization.Encoding.PEM))
        pki = cls(folder, base_url, root_cert, root_key, root_cert, root_key)
        tsa_key = _new_key()
        tsa_cert = pki._leaf(tsa_key, _name("Vanthu Demo TSA", agency), timestamping=True)
        (folder / "tsa.key").write_bytes(_key_pem(tsa_key))
        (folder / "tsa.pem").write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
        pki.tsa_cert, pki.tsa_key = tsa_cert, tsa_key
        return pki

    def _leaf(
        self, key: rsa.RSAPrivateKey, subject: x509.Name, *, timestamping: bool = False
    ) -> x509.Certificate:
        now = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.root_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * _LEAF_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(non_repudiation=not timestamping), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()),
                critical=False,
            )
        )
        if self.base_url:  # where revocation data is served (none for a headless demo)
            point = x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        if timestamping:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        return builder.sign(self.root_key, hashes.SHA256())

    def issue(self, person: Identity) -> Path:
        """Issue `person` a key and certificate, saved as `keys/<key_id>.p12` (with the root)."""
        key = _new_key()
        organisation = person.organisation
        cert = self._leaf(key, _name(person.common_name, organisation, person.email))
        self.keys_folder.mkdir(parents=True, exist_ok=True)
        data = pkcs12.serialize_key_and_certificates(
            person.key_id.encode(),
            key,
            cert,
            [self.root_cert],
            serialization.BestAvailableEncryption(self.passphrase.encode()),
        )
        path = self.key_path(person.key_id)
        path.write_bytes(data)
        return path

    def refresh_crl(self) -> bytes:
        """Write a fresh (empty) CRL of the root unless the current one is still good for a day."""
        if self.crl_path.exists():
            current = x509.load_der_x509_crl(self.crl_path.read_bytes())
            next_update = current.next_update_utc
            if next_update is not None and next_update - _now() > dt.timedelta(days=1):
                return self.crl_path.read_bytes()
        now = _now()
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root_cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=_CRL_DAYS))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()),
                critical=False,
            )
            .sign(self.root_key, hashes.SHA256())
        )
        data = crl.public_bytes(serialization.Encoding.DER)
        self.crl_path.parent.mkdir(parents=True, exist_ok=True)
        self.crl_path.write_bytes(data)
        return data

    def root_pem(self) -> bytes:
        return self.root_cert.public_bytes(serialization.Encoding.PEM)

    def tsa_key_der(self) -> bytes:
        return self.tsa_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
