"""Email over STARTTLS still works with the lazy TLS contexts given to Apprise's SMTP controller,
and certificate verification is kept unless the URL turns it off."""

from __future__ import annotations

import datetime as dt
import ssl
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notifications.channels import Channels
from tests.servers import SMTPServer, free_port


@pytest.fixture(scope="module")
def tls_smtp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    handler = SMTPServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True)
    controller.start()
    yield handler, controller.port
    controller.stop()


MESSAGE = SimpleNamespace(subject="[Nhắc việc] V.1.1", text="Kính gửi", html="<p>Kính gửi</p>", sms="x", attachments=[])


def test_starttls_without_verification_delivers(tls_smtp, tmp_path):
    handler, port = tls_smtp
    url = f"mailtos://127.0.0.1:{port}?mode=starttls&verify=no&from=dondoc@x.example&to={{email}}"
    outcome = Channels(email_url=url, sms_url=None, outbox_dir=tmp_path).send("email", "a@x.example", MESSAGE)
    assert outcome.error is None
    assert [r.to for r in handler.received] == ["a@x.example"]


def test_starttls_verifies_certificates_by_default(tls_smtp, tmp_path):
    handler, port = tls_smtp
    url = f"mailtos://127.0.0.1:{port}?mode=starttls&from=dondoc@x.example&to={{email}}"
    before = len(handler.received)
    outcome = Channels(email_url=url, sms_url=None, outbox_dir=tmp_path).send("email", "b@x.example", MESSAGE)
    assert outcome.error is not None and not outcome.permanent  # a self-signed certificate is refused
    assert len(handler.received) == before
