"""Pages of a story list that never count the list.

Django's ``Paginator`` asks ``COUNT(*)`` of the whole list to say "page 3 of 4 812"; over a
growing archive that count grows with it. A story list only needs to know whether there is an
older page, so page N fetches ``per_page + 1`` rows at ``OFFSET (N - 1) * per_page``: the extra
row answers "older stories?" and is dropped. The offset is bounded too (``MAX_PAGES``): past it
a reader is pointed to the date archives, so no request's cost grows without bound.
"""

from django.core.paginator import EmptyPage, InvalidPage, PageNotAnInteger
from django.http import Http404
from django.template.response import TemplateResponse

# 500 pages of 20 is 10,000 stories back; older ones are reached through /<yyyy>/<mm>/.
MAX_PAGES = 500


class PageTooDeep(InvalidPage):
    """A page number beyond ``MAX_PAGES``: answered 404 with a pointer to the date archives."""


class StoryPage:
    """One page of a list: its stories, and whether newer or older pages exist."""

    def __init__(self, object_list, number, paginator, *, has_next):
        self.object_list = object_list
        self.number = number
        self.paginator = paginator
        self._has_next = has_next

    def __repr__(self):
        return f"<Page {self.number}>"

    def __len__(self):
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_previous() or self.has_next()

    def next_page_number(self):
        if not self._has_next:
            raise EmptyPage("There are no older stories.")
        return self.number + 1

    def previous_page_number(self):
        if self.number <= 1:
            raise EmptyPage("There are no newer stories.")
        return self.number - 1


class StoryPaginator:
    """Pages of ``object_list`` (an ordered queryset), ``per_page`` at a time, never counted."""

    def __init__(self, object_list, per_page, *, max_pages=MAX_PAGES):
        self.object_list = object_list
        self.per_page = int(per_page)
        self.max_pages = max_pages

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not a whole number.") from None
        if number < 1:
            raise EmptyPage("Pages are numbered from 1.")
        if number > self.max_pages:
            raise PageTooDeep(f"Lists stop at page {self.max_pages}.")
        return number

    def page(self, number):
        """Page ``number``; page 1 may be empty, a later empty page is ``EmptyPage``."""
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start : start + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("There are no stories that far back.")
        return StoryPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)


class StoryPaginationMixin:
    """For a ``ListView`` (or date archive) of stories: uncounted pages, bounded in depth.

    ``?page=N`` URLs keep working; ``?page=last`` would need the count, so it is a 404 like
    any other page that is not a number.
    """

    paginator_class = StoryPaginator
    too_deep_template_name = "articles/page_too_deep.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except PageTooDeep:
            return TemplateResponse(
                request,
                self.too_deep_template_name,
                {"max_pages": MAX_PAGES},
                status=404,
            )

    def paginate_queryset(self, queryset, page_size):
        paginator = self.paginator_class(queryset, page_size)
        number = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg) or 1
        try:
            page = paginator.page(number)
        except PageTooDeep:
            raise
        except InvalidPage as error:
            raise Http404(str(error)) from None
        return paginator, page, page.object_list, page.has_other_pages()
