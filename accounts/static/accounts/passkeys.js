// Once django-otp-webauthn's script has registered a passkey, go on to the page
// that confirms it (and shows recovery codes with the first second factor).
document.addEventListener("otp_webauthn.register_complete", () => {
  const registration = document.getElementById("passkey-registration");
  window.location.assign(registration.dataset.doneUrl);
});
