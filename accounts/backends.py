"""The password backend, telling with the user whether a second factor is enrolled."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts import devices


class StaffBackend(ModelBackend):
    """Django's username-and-password backend.

    The user loaded for each request carries ``second_factor_enrolled``, read in
    the same query, so guarding every admin page costs no extra query.
    """

    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(
            second_factor_enrolled=devices.enrolled_expression()
        )
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
