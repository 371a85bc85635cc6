from django.dispatch import Signal

# Sent after commit when the comments readers see under some stories changed
# (a comment approved, rejected, featured or sent back by reports), with
# ``article_ids``: whatever caches those story pages should drop them.
comments_changed = Signal()
