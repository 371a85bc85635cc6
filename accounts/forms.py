from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import devices

MESSAGES = {
    devices.WRONG_CODE: _(
        "That code is not right. Enter the code your authenticator app shows now "
        "(and check that the phone's clock is right)."
    ),
    devices.REUSED_CODE: _(
        "That code has already been used. Wait for your app to show the next one and enter that."
    ),
    devices.WRONG_RECOVERY_CODE: _(
        "That recovery code is not right or has already been used: each one works only once."
    ),
}


def refusal(check):
    """The ValidationError for a code that ``devices`` refused."""
    if check.problem == devices.THROTTLED:
        message = ngettext(
            "Too many wrong codes in a row. Wait %(seconds)d second, then try again.",
            "Too many wrong codes in a row. Wait %(seconds)d seconds, then try again.",
            check.wait_seconds,
        ) % {"seconds": check.wait_seconds}
        return ValidationError(message, code=devices.THROTTLED)
    return ValidationError(MESSAGES[check.problem], code=check.problem)


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)


class SecondStepForm(forms.Form):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = CodeField(
        label=_("Code"),
        help_text=_(
            "The six-digit code from your authenticator app, or one of your recovery codes."
        ),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        self.device = None
        super().__init__(*args, **kwargs)

    def clean_code(self):
        check = devices.check_code(self.user, self.cleaned_data["code"])
        if check.device is None:
            raise refusal(check)
        self.device = check.device
        return self.cleaned_data["code"]


class ConfirmAppForm(forms.Form):
    """The first code from an authenticator app being set up."""

    code = CodeField(label=_("Code from the app"), help_text=_("Six digits."))

    def __init__(self, device, *args, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = devices.normalize(self.cleaned_data["code"])
        if not devices.is_app_code(code):
            raise ValidationError(
                _("Enter the six digits your authenticator app shows."), code="not_six_digits"
            )
        check = devices.check_new_app_code(self.device, code)
        if check.device is None:
            raise refusal(check)
        return code
