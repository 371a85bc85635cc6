"""Moments said the way people say them: "today at 14:05"."""

from datetime import timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _


def clock(moment) -> str:
    """The local time of day, e.g. "14:05"."""
    return formats.time_format(timezone.localtime(moment), "H:i")


def human_time(moment, *, now=None) -> str:
    """ "today at 14:05", "yesterday at 09:30", "3 March at 18:00" or "3 March 2025 at 18:00"."""
    moment = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now()).date()
    if moment.date() == today:
        return _("today at %(time)s") % {"time": clock(moment)}
    if moment.date() == today - timedelta(days=1):
        return _("yesterday at %(time)s") % {"time": clock(moment)}
    day = "j F" if moment.year == today.year else "j F Y"
    return _("%(day)s at %(time)s") % {
        "day": formats.date_format(moment, day),
        "time": clock(moment),
    }
