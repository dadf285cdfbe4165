"""E-mail alerts (observatoire/notify.py, OBS_NOTIFY_SMTP_*) against a real SMTP server on 127.0.0.1 (aiosmtpd):
what the server receives (envelope, subject, French body naming the failed run and task), STARTTLS before anything
is sent, the login only over TLS, a plain relay when STARTTLS is turned off, and an unreachable server that never
makes the notifier raise. Nothing leaves the machine."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.settings import load_settings
from observatoire.notify import dag_failure_callback, notify

RECIPIENTS = ["astreinte@cd32.example", "dsi@cd32.example"]
SENDER = "observatoire@cd32.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made for this test run: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp_tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


@dataclass
class Mailbox:
    """What the SMTP server received: one dict per message, and the logins it was offered."""

    messages: list[dict] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "message": email.message_from_bytes(envelope.content, policy=email.policy.default),
                "tls": session.ssl is not None,
                "authenticated": bool(session.authenticated),
            }
        )
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)


@pytest.fixture
def smtp_server(certificate, monkeypatch):
    """Start SMTP servers on 127.0.0.1: `start(tls=True, auth=False)` returns (port, mailbox). With tls, the server
    refuses any command but STARTTLS before TLS (require_starttls) and a login outside TLS; with auth it refuses
    mail from a client that has not logged in."""
    controllers = []
    tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_context.load_cert_chain(*certificate)
    # smtplib's default STARTTLS context does not verify the certificate; a client that does trusts this one
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])

    def start(tls: bool = True, auth: bool = False) -> tuple[int, Mailbox]:
        mailbox, port = Mailbox(), _free_port()
        options = {"tls_context": tls_context, "require_starttls": True} if tls else {}
        if auth:
            options.update(authenticator=mailbox.authenticate, auth_required=True, auth_require_tls=True)
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return port, mailbox

    yield start
    for controller in controllers:
        controller.stop()


def _smtp_env(monkeypatch, port: int, **extra: str) -> None:
    for name in ("OBS_NOTIFY_WEBHOOK", "OBS_NOTIFY_SMTP_USER", "OBS_NOTIFY_SMTP_PASSWORD", "OBS_NOTIFY_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    values = {
        "OBS_DEPARTEMENT": "32",
        "OBS_NOTIFY_SMTP_HOST": "127.0.0.1",
        "OBS_NOTIFY_SMTP_PORT": str(port),
        "OBS_NOTIFY_SMTP_FROM": SENDER,
        "OBS_NOTIFY_SMTP_TO": " , ".join(RECIPIENTS),
        **extra,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_failed_dag_task_sends_an_email_over_starttls(smtp_server, monkeypatch, caplog):
    port, mailbox = smtp_server(tls=True)
    _smtp_env(monkeypatch, port)

    class TI:
        dag_id, task_id = "refresh", "dbt_build"

    run_id = "scheduled__2026-11-02T02:00:00+00:00"
    with caplog.at_level(logging.ERROR, logger="observatoire.notify"):
        # as Airflow calls it once the task has failed for good (dags/refresh.py)
        dag_failure_callback({"task_instance": TI(), "run_id": run_id, "exception": RuntimeError("dbt KO")})

    assert not [r for r in caplog.records if "non envoyée" in r.getMessage()], caplog.text
    assert len(mailbox.messages) == 1
    received = mailbox.messages[0]
    assert received["tls"] is True  # STARTTLS came first: this server refuses mail from a client without TLS
    assert received["mail_from"] == SENDER and received["rcpt_tos"] == RECIPIENTS
    message = received["message"]
    assert [a.addr_spec for a in message["To"].addresses] == RECIPIENTS and message["From"] == SENDER
    subject = message["Subject"]
    assert subject.startswith("[Observatoire 32] Échec du DAG refresh") and "tâche dbt_build" in subject
    body = message.get_content()
    assert f"Échec du DAG refresh, tâche dbt_build (run {run_id})" in body
    assert "RuntimeError: dbt KO" in body


def test_email_login_happens_over_tls(smtp_server, monkeypatch):
    port, mailbox = smtp_server(tls=True, auth=True)
    _smtp_env(monkeypatch, port, OBS_NOTIFY_SMTP_USER="observatoire", OBS_NOTIFY_SMTP_PASSWORD="s3cret-de-test")
    assert notify("Échec du rafraîchissement", "FetchError: HTTP 503") == ["log", "email"]
    assert mailbox.logins == [("observatoire", "s3cret-de-test")]
    (received,) = mailbox.messages
    assert received["tls"] and received["authenticated"]
    assert "FetchError: HTTP 503" in received["message"].get_content()


def test_plain_relay_only_when_starttls_is_turned_off(smtp_server, monkeypatch, caplog):
    port, mailbox = smtp_server(tls=False)  # an internal relay without TLS, on a port other than 25
    _smtp_env(monkeypatch, port)
    with caplog.at_level(logging.ERROR, logger="observatoire.notify"):
        assert notify("Échec", "détail") == ["log"]  # by default STARTTLS is required: no fallback to clear text
    assert not mailbox.messages and "Alerte non envoyée par courriel" in caplog.text

    monkeypatch.setenv("OBS_NOTIFY_SMTP_STARTTLS", "0")
    assert notify("Échec", "détail") == ["log", "email"]
    (received,) = mailbox.messages
    assert received["tls"] is False and received["rcpt_tos"] == RECIPIENTS


def test_unreachable_smtp_server_does_not_raise(monkeypatch, caplog):
    _smtp_env(monkeypatch, _free_port())  # nothing listens there
    with caplog.at_level(logging.ERROR, logger="observatoire.notify"):
        assert notify("Échec du DAG refresh, tâche dbt_build", "RuntimeError: dbt KO") == ["log"]
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Échec du DAG refresh, tâche dbt_build") for m in messages)  # the alert is still logged
    assert any("Alerte non envoyée par courriel (127.0.0.1)" in m for m in messages)


def test_smtp_settings_mistakes_are_logged_not_raised(monkeypatch, caplog):
    _smtp_env(monkeypatch, _free_port(), OBS_NOTIFY_SMTP_STARTTLS="peut-être")
    with caplog.at_level(logging.ERROR, logger="observatoire.notify"):
        assert notify("Échec") == ["log"]
        assert notify("Échec", settings=load_settings(OBS_NOTIFY_SMTP_TO="")) == ["log"]
    assert "OBS_NOTIFY_SMTP_STARTTLS='peut-être'" in caplog.text and "OBS_NOTIFY_SMTP_TO est vide" in caplog.text


def test_email_is_not_used_when_no_host_is_set(monkeypatch):
    _smtp_env(monkeypatch, _free_port())
    monkeypatch.delenv("OBS_NOTIFY_SMTP_HOST")
    assert notify("Échec") == ["log"]
