"""The moderation workbench in the admin.

Every decision goes through ``comments.moderation``; moderators never edit what a
reader wrote, and nothing a reader submitted is deleted here.
"""

from .commenters import BanAdmin, CommenterNoteAdmin
from .configuration import CommentSettingsAdmin, DigestAdmin, NotificationPreferenceAdmin
from .workbench import CommentAdmin

__all__ = [
    "BanAdmin",
    "CommentAdmin",
    "CommentSettingsAdmin",
    "CommenterNoteAdmin",
    "DigestAdmin",
    "NotificationPreferenceAdmin",
]
