"""A throwaway PKI for tests: a CA, a server certificate for 127.0.0.1/localhost,
client certificates, and the broken variants the TLS tests need (wrong host
name, untrusted CA, expired, expiring soon). Generated with python3-cryptography
into a temporary directory; never committed."""
import datetime
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_NOW = datetime.datetime.now(datetime.timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(path: str, key) -> None:
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(path, 0o600)


def _write_cert(path: str, *certs) -> None:
    with open(path, "wb") as f:
        for c in certs:
            f.write(c.public_bytes(serialization.Encoding.PEM))


@dataclass
class Issued:
    cert: str
    key: str
    obj: x509.Certificate


class CertificateAuthority:
    def __init__(self, directory: str, name: str = "edgebridge test CA"):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = name
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name)).issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_NOW - datetime.timedelta(days=1))
            .not_valid_after(_NOW + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        safe = name.replace(" ", "_")
        self.ca_file = os.path.join(directory, f"{safe}.pem")
        _write_cert(self.ca_file, self.cert)

    def issue(self, file_stem: str, cn: str, *, server: bool = False, hosts=("localhost", "127.0.0.1"),
              not_before: datetime.datetime | None = None, not_after: datetime.datetime | None = None,
              chain: bool = False, key_mode: int = 0o600) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or (_NOW - datetime.timedelta(days=1)))
            .not_valid_after(not_after or (_NOW + datetime.timedelta(days=30)))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if server:
            sans = []
            import ipaddress
            for h in hosts:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(h)))
                except ValueError:
                    sans.append(x509.DNSName(h))
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        else:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        cert_path = os.path.join(self.dir, f"{file_stem}.crt")
        key_path = os.path.join(self.dir, f"{file_stem}.key")
        if chain:
            _write_cert(cert_path, cert, self.cert)
        else:
            _write_cert(cert_path, cert)
        _write_key(key_path, key)
        os.chmod(key_path, key_mode)
        return Issued(cert_path, key_path, cert)


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
