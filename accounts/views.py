"""Staff sign-in pages in the admin: the two steps, and the user's own second factors."""

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from accounts import devices, lockout, passkeys, signin
from accounts.forms import ConfirmAppForm, SecondStepForm
from accounts.middleware import restriction

NEW_CODES_KEY = "accounts_new_recovery_codes"


def admin_context(request, title, **extra):
    context = {**admin.site.each_context(request), "title": title, "subtitle": None}
    if restriction(request.user):
        # Nothing else is open to them yet: no links to the models.
        context["is_nav_sidebar_enabled"] = False
        context["available_apps"] = []
    return context | extra


class StaffLoginView(LoginView):
    """The admin's login page, step one: username and password.

    Like ``AdminSite.login``, except that a user with a second factor goes on
    to the second step instead of being signed in.
    """

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and admin.site.has_permission(request):
            return HttpResponseRedirect(self.get_success_url())
        request.current_app = admin.site.name
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return reverse("admin:index")

    def get_initial(self):
        # Back from the second step: the username stays typed in.
        state = self.request.session.get(signin.PENDING_KEY) or {}
        return {"username": state.get("username", "")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | admin_context(
            self.request,
            _("Log in"),
            app_path=self.request.get_full_path(),
            username=self.request.user.get_username(),
            **{REDIRECT_FIELD_NAME: self.get_success_url()},
        )

    def form_valid(self, form):
        user = form.get_user()
        if devices.has_second_factor(user):
            signin.begin(self.request, user, next_url=self.get_success_url())
            return redirect("accounts:verify")
        return super().form_valid(form)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify(request):
    """Step two: a code from the app, a recovery code or a passkey."""
    user = signin.user_to_verify(request)
    if user is None:
        if signin.expired(request):
            messages.warning(request, _("Signing in took too long. Enter your password again."))
        return redirect("accounts:login")
    if signin.is_locked(request, user):
        return lockout.locked_out(request, credentials=signin.credentials(user))
    form = SecondStepForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            return redirect(signin.finish(request, user, form.device))
        if not form.has_error("code", devices.THROTTLED):
            # Counted by django-axes; AxesMiddleware answers 429 once it locks.
            signin.record_failure(request, user)
    context = admin_context(
        request,
        _("Log in"),
        form=form,
        username=user.get_username(),
        signed_in=request.user.is_authenticated,
        has_passkey=devices.has_passkey(user),
        passkey_config=passkeys.script_configuration(request),
    )
    return render(request, "accounts/verify.html", context)


def two_factor(request):
    """The user's second factors, with ways to add and remove them."""
    user = request.user
    context = admin_context(
        request,
        _("Two-factor sign-in"),
        apps=devices.apps_for(user),
        passkeys=devices.passkeys_for(user),
        recovery_codes_left=devices.recovery_codes_left(user),
        recovery_code_count=devices.RECOVERY_CODE_COUNT,
        must_enrol=restriction(user) is not None,
    )
    return render(request, "accounts/two_factor.html", context)


@sensitive_post_parameters("code")
def authenticator(request):
    """Set up an authenticator app: scan, then confirm with its first code."""
    device = devices.unconfirmed_app(request.user)
    form = ConfirmAppForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return enrolled(request, device, _("Your authenticator app is set up."))
    context = admin_context(
        request,
        _("Set up an authenticator app"),
        form=form,
        qr_code=devices.app_qr_code(device),
        secret=devices.app_secret(device),
    )
    return render(request, "accounts/authenticator.html", context)


def passkey_page(request):
    context = admin_context(
        request,
        _("Register a passkey"),
        passkeys=devices.passkeys_for(request.user),
        passkey_config=passkeys.script_configuration(request),
    )
    return render(request, "accounts/passkeys.html", context)


def passkey_added(request):
    """Where the page goes once the browser has registered a passkey."""
    latest = devices.passkeys_for(request.user).last()
    if latest is None:
        return redirect("accounts:passkeys")
    return enrolled(request, latest, _("Your passkey is registered."))


def enrolled(request, device, message):
    """A new second factor works: the session counts as verified by it, and
    the first one comes with recovery codes."""
    if not request.user.is_verified():
        otp_login(request, device)
    if devices.recovery_codes_left(request.user) == 0:
        request.session[NEW_CODES_KEY] = devices.new_recovery_codes(request.user)
        messages.success(request, message)
        return redirect("accounts:recovery_codes")
    messages.success(request, message)
    return redirect("accounts:two_factor")


def recovery_codes(request):
    """New recovery codes (POST), shown once (GET right after)."""
    if request.method == "POST":
        if not (devices.apps_for(request.user).exists() or devices.has_passkey(request.user)):
            messages.error(request, _("Set up an authenticator app or a passkey first."))
            return redirect("accounts:two_factor")
        request.session[NEW_CODES_KEY] = devices.new_recovery_codes(request.user)
        messages.success(request, _("New recovery codes made; the old ones no longer work."))
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("accounts:two_factor")
    context = admin_context(request, _("Your recovery codes"), codes=codes)
    return render(request, "accounts/recovery_codes.html", context)


@require_POST
def remove(request, kind, pk):
    models = {"app": devices.apps_for, "passkey": devices.passkeys_for}
    if kind not in models:
        raise Http404
    device = get_object_or_404(models[kind](request.user), pk=pk)
    verified_by_it = request.user.is_verified() and (
        request.user.otp_device.persistent_id == device.persistent_id
    )
    devices.remove(device)
    remaining = next(devices_for_user(request.user), None)
    if verified_by_it and remaining is not None:
        # This session did pass a second factor: it stays verified.
        otp_login(request, remaining)
    if kind == "app":
        messages.success(request, _("The authenticator app is removed."))
    else:
        messages.success(request, _("The passkey is removed."))
    return redirect("accounts:two_factor")
