"""Alerting: tell someone when the nightly run fails (or keeps a source stale).

Always logged (logger `observatoire.notify`, so Airflow's task log and the CLI's stderr show it). Also, when
configured in the environment (.env.example):
- OBS_NOTIFY_WEBHOOK: POST of a JSON body {"text", "title", "details", "level", "departement", "host"}
  (`text` is what Slack, Mattermost and Teams incoming webhooks display);
- OBS_NOTIFY_SMTP_HOST (+ _PORT [587], _USER, _PASSWORD, _FROM, _TO comma-separated): an e-mail, STARTTLS
  unless the port is 465 (implicit TLS) or 25 (plain, internal relay); OBS_NOTIFY_SMTP_STARTTLS=1 or 0 overrides
  that choice (0: a plain internal relay on another port, 1025 or 2525 for instance).
A notifier that fails is logged and never hides the original error.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from email.message import EmailMessage

from core.settings import ConfigError, Settings, load_settings

log = logging.getLogger("observatoire.notify")


def notify(title: str, details: str = "", level: str = "error", settings: Settings | None = None) -> list[str]:
    """Send the alert through every configured channel; return the channels that succeeded ('log' first)."""
    (log.error if level == "error" else log.warning)("%s\n%s", title, details)
    sent = ["log"]
    try:
        settings = settings or load_settings()
    except ConfigError as exc:  # the alert is logged above; a configuration mistake must not hide it
        log.error("Alerte envoyée au journal seulement, configuration invalide : %s", exc)
        return sent
    departement = settings.departement
    text = f"[Observatoire {departement}] {title}" + (f"\n{details}" if details else "")
    webhook = settings.notify_webhook.strip()
    if webhook:
        try:
            import requests

            response = requests.post(webhook, timeout=15, json={
                "text": text, "title": title, "details": details, "level": level,
                "departement": departement, "host": socket.gethostname()})
            response.raise_for_status()
            sent.append("webhook")
        except Exception as exc:  # noqa: BLE001 - alerting must not mask the failure it reports
            log.error("Alerte non envoyée au webhook : %s", exc)
    host = settings.notify_smtp_host.strip()
    if host:
        try:
            _send_mail(settings, host, f"[Observatoire {departement}] {title}", text)
            sent.append("email")
        except Exception as exc:  # noqa: BLE001
            log.error("Alerte non envoyée par courriel (%s) : %s", host, exc)
    return sent


def _send_mail(settings: Settings, host: str, subject: str, body: str) -> None:
    port = settings.notify_smtp_port
    recipients = [r.strip() for r in settings.notify_smtp_to.split(",") if r.strip()]
    if not recipients:
        raise ValueError("OBS_NOTIFY_SMTP_TO est vide")
    message = EmailMessage()
    message["Subject"], message["From"] = subject, settings.notify_smtp_from or recipients[0]
    message["To"] = ", ".join(recipients)
    message.set_content(body)
    starttls = port != 465 and _starttls(settings, port)
    tls = ssl.create_default_context()  # verifies the server's certificate and name (system CAs, SSL_CERT_FILE)
    if port == 465:
        smtp = smtplib.SMTP_SSL(host, port, timeout=30, context=tls)
    else:
        smtp = smtplib.SMTP(host, port, timeout=30)
    with smtp:
        if starttls:
            smtp.starttls(context=tls)
        if settings.notify_smtp_user:
            smtp.login(settings.notify_smtp_user, settings.notify_smtp_password)
        smtp.send_message(message)


def _starttls(settings: Settings, port: int) -> bool:
    """OBS_NOTIFY_SMTP_STARTTLS: 1 or 0; when empty, STARTTLS unless the port is 25 (plain relay) or 465."""
    value = settings.notify_smtp_starttls.strip().lower()
    if not value:
        return port not in (25, 465)
    if value in {"1", "true", "yes", "oui"}:
        return True
    if value in {"0", "false", "no", "non"}:
        return False
    raise ValueError(f"OBS_NOTIFY_SMTP_STARTTLS={value!r} : valeurs possibles 1 ou 0 (vide : selon le port)")


def notify_stale_sources(sources: list[dict]) -> list[str] | None:
    """One warning when the run published without some sources' fresh data: stale ones (previous data kept) and
    unavailable ones (failed with no earlier data: landed empty, their indicators marked unavailable)."""
    unavailable = [s for s in sources if s.get("unavailable")]
    stale = [s for s in sources if s.get("stale") and not s.get("unavailable")]
    if not stale and not unavailable:
        return None
    titles, lines = [], []
    if unavailable:
        titles.append(f"{len(unavailable)} source(s) indisponible(s) : indicateurs marqués indisponibles")
        lines += [f"- {s['source']} : INDISPONIBLE, aucune donnée antérieure ; indicateurs concernés : "
                  f"{', '.join(indicators_of(s['source'])) or 'aucun indicateur du catalogue'} ; {s.get('error')}"
                  for s in unavailable]
    if stale:
        titles.append(f"{len(stale)} source(s) périmée(s) : données précédentes conservées")
        lines += [f"- {s['source']} : dernière réussite {s.get('last_success')} ; {s.get('error')}" for s in stale]
    return notify(" ; ".join(titles), "\n".join(lines), level="warning")


def indicators_of(source: str) -> list[str]:
    """The catalog indicators fed by `source` (dbt seed indicateurs, column sources_extraction)."""
    import csv

    from core.settings import REPO_ROOT

    with (REPO_ROOT / "dbt_project" / "seeds" / "indicateurs.csv").open(encoding="utf-8", newline="") as handle:
        return [row["code_indicateur"] for row in csv.DictReader(handle)
                if source in (row.get("sources_extraction") or "").split()]


def dag_failure_callback(context) -> None:
    """Airflow `on_failure_callback` (dags/refresh.py): called once a task has failed for good."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(context.get("dag"), "dag_id", None) or getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    notify(f"Échec du DAG {dag_id}, tâche {task_id} (run {context.get('run_id')})",
           f"{type(context.get('exception')).__name__}: {context.get('exception')}")
