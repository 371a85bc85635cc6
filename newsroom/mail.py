"""Mail when no mail server is configured, in production.

The console backend would print every message, bodies quoting readers' comments
included, into the logs. This one sends nothing and logs one warning per
message with what an operator needs to notice: the subject and how many
recipients missed it.
"""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class UnconfiguredEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            recipients = len(message.recipients())
            logger.warning(
                "Mail not sent (EMAIL_HOST is not set): %r to %d recipient(s)",
                message.subject,
                recipients,
                extra={"subject": message.subject, "recipients": recipients},
            )
        return 0
