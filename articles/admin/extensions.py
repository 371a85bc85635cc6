"""Fields other apps add to the story form, without ``articles`` importing them.

An app (``wire``: where the story came from) registers a ``FormExtension`` with
``ArticleAdmin.add_form_extension``. Its fields are declared on the story form like
its own, shown as a fieldset of their own, validated with the form (errors beside the
field, everything typed kept) and saved with the story's one save. A POST that does not
carry an extension's fields at all (a script written before the extension existed)
leaves what it keeps unchanged.
"""

from django import forms


class FormExtension:
    title = ""  # the fieldset's title
    # Whether a change to these fields changes what readers see (the kind-of-change
    # question on a live story).
    reader_visible = True
    editors_only = False

    def fields(self) -> dict[str, forms.Field]:
        raise NotImplementedError

    def initial(self, article) -> dict:
        return {}

    def clean(self, form, cleaned_data):
        """Add errors with ``form.add_error``; may change ``cleaned_data``."""

    def save(self, article, form, *, by):
        """After the story is saved, before its revision is recorded."""

    def describe(self, article) -> str:
        """What the fields hold, for someone who may only read the story."""
        return ""

    def posted(self, form) -> bool:
        """Whether the form's data carries this extension's fields at all (fields
        that only show something, ``disabled``, are never posted)."""
        return any(name in form.data for name, field in self.fields().items() if not field.disabled)


def form_with(form_class, extensions):
    """``form_class`` with the extensions' fields declared on it."""
    if not extensions:
        return form_class
    declared = {}
    for extension in extensions:
        declared.update(extension.fields())

    def __init__(self, *args, **kwargs):
        form_class.__init__(self, *args, **kwargs)
        if self.instance.pk:
            for extension in extensions:
                for name, value in extension.initial(self.instance).items():
                    self.initial.setdefault(name, value)

    def clean(self):
        cleaned = form_class.clean(self)
        for extension in extensions:
            if extension.posted(self):
                extension.clean(self, cleaned)
        return cleaned

    def reader_changes(self):
        changed = form_class.reader_changes(self)
        for extension in extensions:
            if extension.reader_visible and extension.posted(self):
                changed |= set(self.changed_data) & set(extension.fields())
        return changed

    attrs = {
        **declared,
        "__init__": __init__,
        "clean": clean,
        "reader_changes": reader_changes,
        "__module__": form_class.__module__,
    }
    return type(form_class.__name__, (form_class,), attrs)
