"""Email notifications end to end: a real SMTP server (aiosmtpd) started by the test, with
STARTTLS on a self-signed certificate made here and login required; each owner gets their
own issues at their `email`."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from email import message_from_bytes

import pytest

pytest.importorskip("aiosmtpd")
x509 = pytest.importorskip("cryptography.x509")

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from cxspec.issues_state.ids import issue_id  # noqa: E402

USER, PASSWORD = "cx-bot", "s3cret-Password!"
SPECS = """\
version: 1
owners:
  - {id: care, name: Care team, email: care@example.com}
  - {id: web, name: Web team, email: web@example.com}
  - {id: shop, name: Shop}
sources:
  - {id: r, type: file, path: data/r.csv, time: t, key: id}
metrics:
  - {id: care_score, type: mean, source: r, column: care, owner: care}
  - {id: web_score, type: mean, source: r, column: web, owner: web}
  - {id: shop_score, type: mean, source: r, column: shop, owner: shop}
goals:
  - {metric: care_score, target: 8, warn: 6}
  - {metric: web_score, target: 8, warn: 6}
  - {metric: shop_score, target: 8, warn: 6}
"""
DATA = "id,t,care,web,shop\n1,2026-01-05,4,9,3\n2,2026-01-06,5,9,3\n"
CONFIG = """\
version: 1
project: mailed
grain: month
warehouse: duckdb:///{db}
notify:
  - {{type: email, host: 127.0.0.1, port: {port}, from: cx@example.com, user_env: CX_SMTP_USER,
     password_env: CX_SMTP_PASSWORD, ca_file: cert.pem, timeout: 10}}
"""


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "server-cert.pem", tmp_path / "server-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class Inbox:
    def __init__(self):
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((sorted(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        self.logins.append((mechanism, ok, session.ssl is not None))
        return AuthResult(success=ok)


@pytest.fixture
def smtp(tmp_path):
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    import socket

    with socket.socket() as probe:  # a free port: the controller checks its server by connecting
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(
        inbox, hostname="127.0.0.1", port=inbox.port, tls_context=context, require_starttls=True,
        authenticator=inbox.authenticate, auth_required=True, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    inbox.cert = cert_file
    yield inbox
    controller.stop()


def test_each_owner_gets_their_issues_over_starttls(smtp, make_project, tmp_path, run_main, monkeypatch):
    monkeypatch.setenv("CX_SMTP_USER", USER)
    monkeypatch.setenv("CX_SMTP_PASSWORD", PASSWORD)
    root = make_project(
        {"specs.yaml": SPECS, "data/r.csv": DATA, "cert.pem": smtp.cert.read_bytes()},
        config=CONFIG.format(db=tmp_path / "w.duckdb", port=smtp.port),
    )
    code, _, err = run_main("run", str(root), "-q")
    # care_score 4.5 and shop_score 3 are red; web_score 9 is green. Shop has no email: reported, kept.
    assert code == 1 and "owner shop has no email" in err and PASSWORD not in err
    assert smtp.logins and all(ok and tls for _, ok, tls in smtp.logins)
    ((to, message),) = smtp.messages
    assert to == ["care@example.com"] and message["To"] == "care@example.com"
    assert message["From"] == "cx@example.com" and message["Subject"] == "[cxspec mailed] 1 issue for you"
    body = message.get_payload(decode=True).decode()
    assert issue_id("goal_red", "care_score", {}) in body and "Care" not in message["Subject"]
    assert "new: goal_red (2026-01-01)" in body and "4.50" in body
    # A rerun sends nothing new; the owner without an address stays pending.
    code, _, _ = run_main("run", str(root), "-q")
    assert len(smtp.messages) == 1


def test_a_wrong_password_is_refused_without_showing_it(smtp, make_project, tmp_path, run_main, monkeypatch):
    monkeypatch.setenv("CX_SMTP_USER", USER)
    monkeypatch.setenv("CX_SMTP_PASSWORD", "wrong-" + PASSWORD)
    root = make_project(
        {"specs.yaml": SPECS.replace("  - {id: shop, name: Shop}", "  - {id: shop, name: Shop, email: s@example.com}"),
         "data/r.csv": DATA, "cert.pem": smtp.cert.read_bytes()},
        config=CONFIG.format(db=tmp_path / "w.duckdb", port=smtp.port).replace("timeout: 10", "timeout: 2"),
    )  # fmt: skip
    code, _, err = run_main("run", str(root), "-q")
    # The server refuses the login (and, as aiosmtpd does, stops answering the next mechanism).
    assert code == 1 and "email 1 (127.0.0.1:" in err and "kept for the next run" in err
    assert PASSWORD not in err and smtp.messages == [] and smtp.logins and not any(ok for _, ok, _ in smtp.logins)
