"""The progress bar long management commands show (rate and time left), one way."""

from tqdm import tqdm


def progress_bar(command, *, total, unit, iterable=None, enabled=True, **options):
    """A tqdm bar on ``command``'s stderr; off at ``--verbosity 0`` or when ``enabled``
    is false. ``options`` go to tqdm (``unit_scale``, ``smoothing``…)."""
    return tqdm(
        iterable,
        total=total,
        unit=f" {unit}",
        # The stream itself: OutputWrapper would end each redraw with a newline.
        file=getattr(command.stderr, "_out", command.stderr),
        disable=not enabled or command.verbosity == 0,
        dynamic_ncols=True,
        **options,
    )
