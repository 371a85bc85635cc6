"""What a page's parts say about it while it renders: more keys, an earlier expiry.

The project's dependency function names the keys of a whole page; a part rendered
inside it (a template tag, say) may know more: ``depends_on(request, "key")`` adds
keys, ``stale_at(request, when)`` makes the stored page stale no later than
``when`` (e.g. the instant a story's comments close).
"""

ATTRIBUTE = "_pagecache_hints"


def _hints(request):
    hints = getattr(request, ATTRIBUTE, None)
    if hints is None:
        hints = {"keys": set(), "until": None}
        setattr(request, ATTRIBUTE, hints)
    return hints


def depends_on(request, *keys):
    if request is not None:
        _hints(request)["keys"].update(keys)


def stale_at(request, when):
    if request is not None and when is not None:
        hints = _hints(request)
        hints["until"] = when if hints["until"] is None else min(hints["until"], when)


def gathered(request):
    """``(keys, until)`` the parts of this request's page named."""
    hints = getattr(request, ATTRIBUTE, None) or {"keys": set(), "until": None}
    return hints["keys"], hints["until"]
