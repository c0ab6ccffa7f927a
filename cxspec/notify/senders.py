"""Sending one batch of issues to one target: a webhook (JSON or Slack's format) or email
over SMTP with STARTTLS and login. Errors name the target by its variables, never by a URL,
user or password (the values may be secrets; `scrub` takes them out of any message)."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path

from cxspec.notify.config import Target, secret


class DeliveryError(Exception):
    """A delivery that failed; `retry` False when trying again cannot help (4xx, no address)."""

    def __init__(self, message: str, *, retry: bool = True):
        super().__init__(message)
        self.retry = retry


def scrub(message: str, secrets: list[str | None]) -> str:
    for value in secrets:
        if value:
            message = message.replace(value, "***")
    return message


def _slack(text: str) -> str:
    """Text as Slack's mrkdwn reads it literally: `&`, `<`, `>` escaped, as Slack asks. A message
    quotes the data (a segment's value): a region `<!channel>` pinged the whole channel, and
    `<https://…|text>` made a link the operator never wrote."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_body(project_id: str, issues: list[dict], fmt: str) -> bytes:
    if fmt == "slack":
        count = f"{len(issues)} issue change{'s' if len(issues) != 1 else ''}"
        lines = [f"*cxspec · {_slack(project_id)}*: {count}"]
        lines += [
            _slack(f"• [{i['transition']}] {i['kind']} — {i['message']} "
                   f"(owner: {i['owner'] or 'none'}, id {i['id']})")
            for i in issues
        ]
        return json.dumps({"text": "\n".join(lines)}, ensure_ascii=False).encode("utf-8")
    return json.dumps({"project": project_id, "issues": issues}, ensure_ascii=False).encode("utf-8")


def send_webhook(target: Target, project_id: str, issues: list[dict]) -> None:
    url = secret(target.options["url_env"], f"the URL of {target.label}")
    body = webhook_body(project_id, issues, target.options.get("format", "json"))
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "cxspec"}
    )
    try:
        with urllib.request.urlopen(request, timeout=target.timeout) as response:  # noqa: S310 - operator's URL
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(
            scrub(f"{target.label} answered HTTP {exc.code}", [url]), retry=exc.code >= 500 or exc.code == 429
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(scrub(f"{target.label}: {type(exc).__name__}: {reason}", [url])) from None


def email_message(sender: str, to: str, project_id: str, issues: list[dict]) -> EmailMessage:
    message = EmailMessage()
    count = len(issues)
    message["Subject"] = f"[cxspec {project_id}] {count} issue{'s' if count != 1 else ''} for you"
    message["From"] = sender
    message["To"] = to
    from cxspec.terminal_text import shown  # a value from the data with an ESC: not raw in a mail reader

    lines = [f"cxspec found changes in issues you own (project {project_id}):", ""]
    for issue in issues:
        text = shown(issue["message"])
        lines += [f"- {issue['transition']}: {issue['kind']} ({issue['period']})", f"  {text}",
                  f"  id {issue['id']}: cxspec issues ack {issue['id']} --note \"…\"", ""]  # fmt: skip
    message.set_content("\n".join(lines))
    return message


def send_email(target: Target, project_id: str, to: str, issues: list[dict], root: Path) -> None:
    options = target.options
    user = secret(options.get("user_env"), f"the SMTP user of {target.label}")
    password = secret(options.get("password_env"), f"the SMTP password of {target.label}")
    context = ssl.create_default_context(cafile=str(root / options["ca_file"]) if options.get("ca_file") else None)
    message = email_message(options["from"], to, project_id, issues)
    try:
        with smtplib.SMTP(options["host"], int(options.get("port", 587)), timeout=target.timeout) as smtp:
            smtp.ehlo()
            if options.get("starttls", True):
                smtp.starttls(context=context)
                smtp.ehlo()
            if user is not None:
                smtp.login(user, password or "")
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{target.label}: login refused ({exc.smtp_code})", retry=False) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise DeliveryError(scrub(f"{target.label}: {type(exc).__name__}: {exc}", [user, password])) from None
