"""Staff sign-in URLs, included under /admin/ ahead of the admin's own."""

from django.contrib import admin
from django.urls import include, path

from accounts import passkeys, views

staff = admin.site.admin_view

signin_patterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("two-factor/", staff(views.two_factor), name="two_factor"),
    path("two-factor/authenticator/", staff(views.authenticator), name="authenticator"),
    path("two-factor/recovery-codes/", staff(views.recovery_codes), name="recovery_codes"),
    path("two-factor/passkeys/", staff(views.passkey_page), name="passkeys"),
    path("two-factor/passkeys/added/", staff(views.passkey_added), name="passkey_added"),
    path("two-factor/<str:kind>/<int:pk>/remove/", staff(views.remove), name="remove"),
]

urlpatterns = [
    path("", include((signin_patterns, "accounts"))),
    # The package's scripts reverse these names in the "otp_webauthn" namespace.
    path("two-factor/passkeys/api/", include((passkeys.urlpatterns, "otp_webauthn"))),
]
