"""Deployment checks of newsroom's own settings (``manage.py check --deploy``)."""

from ipaddress import ip_address

from django.conf import settings
from django.core.checks import Info, Tags, Warning, register
from django.core.mail import DEFAULT_MAILER_ALIAS

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
UNCONFIGURED_BACKEND = "newsroom.mail.UnconfiguredEmailBackend"
# What browsers' HSTS preload lists accept (https://hstspreload.org).
PRELOAD_MIN_SECONDS = 365 * 24 * 60 * 60


def _is_local(host):
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@register(Tags.mail, deploy=True)
def check_mail(app_configs, **kwargs):
    mailer = getattr(settings, "MAILERS", {}).get(DEFAULT_MAILER_ALIAS, {})
    backend = mailer.get("BACKEND", SMTP_BACKEND)
    options = mailer.get("OPTIONS", {})
    if backend == UNCONFIGURED_BACKEND:
        # A documented choice (a site may run without digests), so not a warning.
        return [
            Info(
                "mail: not configured (EMAIL_HOST is not set). Moderation digests are not "
                "sent; each is logged as a warning instead.",
                id="newsroom.I001",
            )
        ]
    if backend == SMTP_BACKEND:
        host = options.get("host", "localhost")
        encrypted = options.get("use_tls") or options.get("use_ssl")
        if not encrypted and not _is_local(host):
            return [
                Warning(
                    f"Mail to {host} is sent without TLS: the password and the digests "
                    "(which quote readers' comments) cross the network in the clear.",
                    hint="Set EMAIL_USE_TLS=1 (STARTTLS, port 587) or EMAIL_USE_SSL=1 "
                    "(port 465), or relay through a mail server on this machine.",
                    id="newsroom.W001",
                )
            ]
    return []


@register(Tags.security, deploy=True)
def check_hsts_preload(app_configs, **kwargs):
    if settings.SECURE_HSTS_PRELOAD and settings.SECURE_HSTS_SECONDS < PRELOAD_MIN_SECONDS:
        return [
            Warning(
                f"SECURE_HSTS_PRELOAD is on but SECURE_HSTS_SECONDS is "
                f"{settings.SECURE_HSTS_SECONDS}: preload lists refuse a max-age under "
                f"{PRELOAD_MIN_SECONDS} (one year).",
                hint=f"Unset SECURE_HSTS_SECONDS (it then defaults to {PRELOAD_MIN_SECONDS} "
                "with preloading) or raise it.",
                id="newsroom.W002",
            )
        ]
    return []
