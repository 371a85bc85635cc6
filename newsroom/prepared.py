"""Querysets compiled to SQL once per database connection, then run with new values.

Building and compiling a queryset costs Django about 0.3 to 1 ms of CPU here, often
ten to twenty times what the database then takes to answer it; on a path that runs a
handful of small queries per request (posting a comment), that is most of the request.
A ``PreparedQuery`` builds its queryset once, with a marker in place of each value
that changes, finds the markers among the compiled SQL's parameters, and afterwards
only puts the new values in their places::

    recent = PreparedQuery(
        lambda email, since: Comment.objects.filter(email=email, created_at__gt=since)
        .values_list("created_at", flat=True)[:1],
        email=Comment._meta.get_field("email"),
        since=Comment._meta.get_field("created_at"),
    )
    recent.rows(email="a@example.com", since=now - timedelta(seconds=30))

Each value goes through its field's ``get_db_prep_value``, as an exact or range lookup
(``=``, ``<``, ``>=``…) prepares it; the rows come back through the same converters
Django applies. What cannot be replayed is refused when the query is first compiled,
so a mistake fails the first test that runs it rather than answering wrongly:

- a marker that the build transformed (``.lower()``, ``iexact``'s escaping,
  ``contains``'s wildcards) or dropped is not found among the parameters;
- a date or time among the fixed parameters means a "now" was read while building
  (``live()`` without ``at=``), which would stay frozen at the first request;
- ``prefetch_related`` would be skipped.

Model rows, with their ``select_related`` objects, are built as Django's own model
iterable builds them (``Model.from_db`` and ``get_related_populators``, internal to
Django: the tests of every prepared query would fail first if that changed).

A value of None changes the SQL's shape (``IS NULL``, or a condition left out), so
each pattern of Nones is compiled on its own. A number outside its column's range
(``/comments/post/99999999999999999999/``), which Django answers without asking the
database, goes to the queryset built for it.
"""

import datetime
import weakref
from itertools import count

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, models, transaction
from django.db.models.query import get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

_serial = count()


def _marker(field, name):
    """A value of the field's type that no real query of ours would hold."""
    n = next(_serial) % 250
    if field.is_relation:
        field = field.target_field  # a foreign key compares the key it points at
    internal = field.get_internal_type()
    if internal in {"DateTimeField", "DateField"}:
        moment = datetime.datetime(2, 1 + n // 28 % 12, 1 + n % 28, tzinfo=datetime.UTC)
        return moment if internal == "DateTimeField" else moment.date()
    if internal == "GenericIPAddressField":
        return f"192.0.2.{n + 1}"  # TEST-NET-1 (RFC 5737): never a commenter's address
    if internal in {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField"}:
        return 2_000_000_000 - n
    if internal in {"PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField"}:
        return 32_000 - n
    if internal in {"CharField", "TextField", "EmailField", "SlugField"}:
        # Capitals and punctuation: a build that lowers or escapes it loses it.
        return f"\ue000Prepared_{name}_{n}%\ue000"
    raise ImproperlyConfigured(f"PreparedQuery: no marker for a {internal} ({name}).")


class _Plan:
    """One compiled form of the query on one connection."""

    __slots__ = ("sql", "slots", "converters", "model", "flat", "ranges", "sliceable")

    def __init__(self, sql, slots, converters, model, flat, ranges, sliceable):
        self.sql, self.slots, self.converters = sql, slots, converters
        self.model, self.flat, self.ranges, self.sliceable = model, flat, ranges, sliceable


class _Rows:
    """How a model queryset turns a row into an instance (and its select_related ones)."""

    __slots__ = ("model", "names", "columns", "related", "fetch_mode")

    def __init__(self, model, names, columns, related, fetch_mode):
        self.model, self.names, self.columns = model, names, columns
        self.related, self.fetch_mode = related, fetch_mode

    def build(self, using, row):
        instance = self.model.from_db(
            using, self.names, row[self.columns], fetch_mode=self.fetch_mode
        )
        for populator in self.related:
            populator.populate(row, instance)
        return instance


class _Empty:
    """A build whose conditions can match nothing (Django's EmptyResultSet)."""

    sliceable = True


class PreparedQuery:
    def __init__(self, build, /, **fields):
        """``build(**values)`` returns the queryset; ``fields`` names, for each of its
        arguments, the model field whose lookup the value is compared with."""
        self.build = build
        self.fields = fields
        # Per connection (each thread has its own), then per pattern of Nones.
        self._plans = weakref.WeakKeyDictionary()

    def _build_and_compile(self, connection, nones):
        """The queryset built with fresh markers, its compiler, SQL and parameters, each
        parameter named by the marker it holds, or kept as the build's own value."""
        markers = {
            name: None if name in nones else _marker(field, name)
            for name, field in self.fields.items()
        }
        queryset = self.build(**markers)
        if queryset._prefetch_related_lookups:
            raise ImproperlyConfigured("PreparedQuery: prefetch_related() is not replayed.")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        prepared = {
            name: self.fields[name].get_db_prep_value(marker, connection)
            for name, marker in markers.items()
            if marker is not None
        }
        slots = []
        for param in params:
            names = [
                name
                for name, value in prepared.items()
                if type(value) is type(param) and value == param
            ]
            slots.append(names[0] if names else _Fixed(param))
        if missing := set(prepared) - set(slots):
            raise ImproperlyConfigured(
                f"PreparedQuery: {', '.join(sorted(missing))} changed while building "
                "(lowered, escaped, wrapped) or left out; it cannot be replayed."
            )
        return queryset, compiler, sql, slots

    def _compile(self, connection, nones):
        try:
            queryset, compiler, sql, slots = self._build_and_compile(connection, nones)
            # Built again with other markers: anything else that differs was read while
            # building (the clock, above all), and would stay as it was at the first run.
            _, _, again, other = self._build_and_compile(connection, nones)
        except EmptyResultSet:
            return _Empty
        fixed = [slot.value for slot in slots if type(slot) is _Fixed]
        if again != sql or [type(slot) is _Fixed for slot in other] != [
            type(slot) is _Fixed for slot in slots
        ]:
            raise ImproperlyConfigured("PreparedQuery: the SQL's shape depends on the values.")
        changed = [
            slot.value
            for slot, before in zip(other, slots, strict=True)
            if type(slot) is _Fixed and slot.value != before.value
        ]
        dated = [value for value in fixed if isinstance(value, (datetime.date, datetime.time))]
        if changed or dated:
            raise ImproperlyConfigured(
                f"PreparedQuery: {(changed or dated)[0]!r} was read while building (a date or "
                "time: the clock?); pass it as an argument (e.g. live(at=...))."
            )
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = list(compiler.get_converters(columns).items())
        model = None
        iterable = queryset._iterable_class
        if iterable is models.query.ModelIterable:
            if compiler.annotation_col_map:
                raise ImproperlyConfigured("PreparedQuery: no annotations on model rows.")
            info, select = compiler.klass_info, compiler.select
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            fetch_mode = queryset._fetch_mode
            model = _Rows(
                info["model"],
                [column.target.attname for column, _, _ in select[start:end]],
                slice(start, end),
                get_related_populators(info, select, connection.alias, fetch_mode),
                fetch_mode,
            )
        elif iterable not in {
            models.query.ValuesListIterable,
            models.query.FlatValuesListIterable,
        }:
            raise ImproperlyConfigured("PreparedQuery: a model or values_list() queryset.")
        flat = iterable is models.query.FlatValuesListIterable
        query = queryset.query
        # LIMIT and OFFSET go at the very end of a plain SELECT, on every database.
        sliceable = not (query.is_sliced or query.combinator or query.select_for_update)
        return _Plan(sql, slots, converters, model, flat, self._ranges(connection), sliceable)

    def _ranges(self, connection):
        """The bounds of each integer value's column on this database."""
        ranges = {}
        for name, field in self.fields.items():
            target = field.target_field if field.is_relation else field
            internal = target.get_internal_type()
            if internal in connection.ops.integer_field_ranges:
                ranges[name] = connection.ops.integer_field_range(internal)
        return ranges

    def _plan(self, connection, values):
        nones = frozenset(name for name, value in values.items() if value is None)
        plans = self._plans.setdefault(connection, {})
        plan = plans.get(nones)
        if plan is None:
            if set(values) != set(self.fields):
                raise TypeError(f"PreparedQuery takes {', '.join(self.fields)}.")
            plan = plans[nones] = self._compile(connection, nones)
        return plan

    def rows(self, using="default", *, window=None, **values):
        """The query's rows for these values: model instances for a model queryset,
        tuples (or single values, for ``flat=True``) for ``values_list()``.

        ``window=(start, stop)``: only those rows, as slicing the queryset would take them
        (a page of a list; the build itself must not be sliced).
        """
        connection = connections[using]
        plan = self._plan(connection, values)
        if window is not None and not plan.sliceable:
            raise ImproperlyConfigured("PreparedQuery: this query cannot take a window.")
        if plan is _Empty:
            return []
        for name, (low, high) in plan.ranges.items():
            value = values[name]
            if value is not None and not (
                (low is None or value >= low) and (high is None or value <= high)
            ):
                queryset = self.build(**values).using(using)
                return list(queryset if window is None else queryset[window[0] : window[1]])
        sql = plan.sql
        if window is not None:
            sql = f"{sql} {connection.ops.limit_offset_sql(*window)}"
        fields = self.fields
        params = [
            fields[slot].get_db_prep_value(values[slot], connection)
            if type(slot) is str
            else slot.value
            for slot in plan.slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if plan.converters:
            fetched = [list(row) for row in fetched]
            for row in fetched:
                for position, (functions, column) in plan.converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, column, connection)
                    row[position] = value
        if plan.model is not None:
            return [plan.model.build(using, row) for row in fetched]
        if plan.flat:
            return [row[0] for row in fetched]
        return [tuple(row) for row in fetched]

    def first(self, using="default", **values):
        """The first row, or None (the queryset should be sliced ``[:1]``)."""
        found = self.rows(using, **values)
        return found[0] if found else None


class _Fixed:
    """A parameter the build set itself (a status, a scope); the same on every run."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class PreparedInsert:
    """Saving a new row of ``model``, its ``INSERT`` compiled once per connection.

    Django compiles an INSERT anew for every row: for a comment 0.35 ms of CPU here,
    half of what ``create()`` costs, on every post. ``insert(instance)`` does what
    saving a new instance does (``pre_save``, then each field's ``pre_save``, such as
    ``auto_now_add``, and ``get_db_prep_save``; the values the database returns, the
    key and generated columns; ``post_save`` with ``created=True``) with the SQL
    compiled the first time. It does not call the model's own ``save()``: what an
    override there does, the caller does first. An instance with its key set, a value
    that is an expression, or a database that cannot return columns from an INSERT
    goes through Django's own ``save_base()``.
    """

    def __init__(self, model):
        meta = model._meta
        if meta.parents or meta.order_with_respect_to:
            raise ImproperlyConfigured("PreparedInsert: one table, no order_with_respect_to.")
        self.model = model
        self.fields = [
            field
            for field in meta.local_concrete_fields
            if not field.generated and field is not meta.auto_field
        ]
        self.returning = list(meta.db_returning_fields)
        self._plans = weakref.WeakKeyDictionary()

    def _compile(self, connection):
        # Compiled for a blank instance: compiling runs each field's pre_save() on it.
        query = InsertQuery(self.model)
        query.insert_values(self.fields, [self.model()])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = self.returning
        ((sql, _),) = compiler.as_sql()
        table = self.model._meta.db_table
        columns = [field.get_col(table) for field in self.returning]
        return sql, list(compiler.get_converters(columns).items())

    def insert(self, instance, using="default"):
        """Store ``instance`` (a new ``model``) and return it, saved."""
        connection = connections[using]
        if (
            type(instance) is not self.model
            or instance.pk is not None
            or not connection.features.can_return_columns_from_insert
            or any(
                hasattr(getattr(instance, field.attname), "resolve_expression")
                for field in self.fields
            )
        ):
            instance.save_base(using=using, force_insert=True)
            return instance
        model = self.model
        pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
        values = [field.pre_save(instance, add=True) for field in self.fields]
        plan = self._plans.get(connection)
        if plan is None:
            plan = self._plans[connection] = self._compile(connection)
        sql, converters = plan
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(self.fields, values, strict=True)
        ]
        # As save_base(): a failed INSERT inside a transaction marks it for rollback.
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = list(cursor.fetchone())
        for position, (functions, column) in converters:
            for function in functions:
                row[position] = function(row[position], column, connection)
        for field, value in zip(self.returning, row, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = using
        post_save.send(
            sender=model,
            instance=instance,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )
        return instance
