"""The picture library in the admin: thumbnails, search, where each picture is used,
uploads (one with its description, or several at once) and the focal point picker.

Every upload goes through ``images.uploads.accept`` so the same rules apply however a
picture arrives; the focal point through ``images.renditions.set_focal_point``, which
rebuilds the renditions.
"""

import hashlib
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from newsroom.storage import StorageUnavailable

from . import renditions, uploads, usage
from .models import Picture, Rendition

STORAGE_FAILED = _(
    "The picture could not be stored just now, so nothing was saved. Try again in a moment."
)
THUMBNAIL_WIDTH = 120


def _title_from_name(name):
    """A first title from the file's name ("harbour_at-dawn.jpg" → "harbour at dawn")."""
    stem = Path(name or "").stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split())[:200] or gettext("Untitled picture")


def _digest(file):
    """The sha256 of an uploaded file, leaving it rewound (to tell a re-upload)."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


class PictureAddForm(forms.ModelForm):
    """A new picture with its description. The file goes through ``uploads.accept``
    once everything else is valid; a refusal comes back as the file field's error
    with everything typed kept (a browser cannot keep a chosen file)."""

    class Meta:
        model = Picture
        fields = ["file", "title", "alt_text", "caption", "credit", "usage_note", "tags"]

    def __init__(self, *args, uploaded_by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploaded_by = uploaded_by
        self.already_in_library = False
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to use the file's name.")

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        data = self.cleaned_data
        file = data["file"]
        self.already_in_library = Picture.objects.filter(sha256=_digest(file)).exists()
        try:
            self.instance = uploads.accept(
                file,
                title=data["title"] or _title_from_name(file.name),
                alt_text=data["alt_text"],
                by=self.uploaded_by,
                caption=data["caption"],
                credit=data["credit"],
                usage_note=data["usage_note"],
                tags=data["tags"],
            )
        except ValidationError as error:
            self.add_error("file", error)
        except (StorageUnavailable, OSError):
            self.add_error(None, STORAGE_FAILED)

    def save(self, commit=True):
        # accept() saved the picture, its tags and renditions already.
        self.save_m2m = lambda: None
        return self.instance


FOCAL_FIELDS = ["focal_x", "focal_y"]
CROP_FIELDS = ["crop_left", "crop_top", "crop_right", "crop_bottom"]


def _hidden():
    # Text, not numbers: ``renditions.check_focal_point`` parses them, so its messages
    # (the one set of rules) are the ones the editor sees.
    return forms.CharField(required=False, widget=forms.HiddenInput)


class PictureChangeForm(forms.ModelForm):
    """The description, the focal point (set by clicking on the picture) and the
    optional crop box (by dragging on it), kept in hidden fields."""

    focal_x = _hidden()
    focal_y = _hidden()
    crop_left = _hidden()
    crop_top = _hidden()
    crop_right = _hidden()
    crop_bottom = _hidden()

    class Meta:
        model = Picture
        fields = [
            "title",
            "alt_text",
            "caption",
            "credit",
            "usage_note",
            "tags",
            *FOCAL_FIELDS,
            *CROP_FIELDS,
        ]

    def clean(self):
        data = super().clean()
        try:
            x, y, crop = renditions.check_focal_point(
                self.instance,
                data.get("focal_x"),
                data.get("focal_y"),
                crop=[data.get(name) for name in CROP_FIELDS],
            )
        except ValidationError:
            # The picture keeps its point and crop; the hidden fields keep what was
            # sent, and the message shows above the form (hidden fields have no row).
            for name in FOCAL_FIELDS + CROP_FIELDS:
                data.pop(name, None)
            raise
        data.update(zip(FOCAL_FIELDS, (x, y), strict=True))
        data.update(zip(CROP_FIELDS, crop or (None,) * 4, strict=True))
        return data


class UsedFilter(admin.SimpleListFilter):
    title = _("use")
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", _("Used")), ("no", _("Not used anywhere"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        ids = usage.used_picture_ids()
        if self.value() == "yes":
            return queryset.filter(pk__in=ids)
        return queryset.exclude(pk__in=ids)


class AltTextFilter(admin.SimpleListFilter):
    title = _("alt text")
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("missing", _("Missing")), ("present", _("Written"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(alt_text="")
        if self.value() == "present":
            return queryset.exclude(alt_text="")
        return queryset


def _smallest_current(picture):
    """The smallest JPEG rendition of the picture as it is now, or None (prefetched)."""
    for rendition in picture.list_renditions:
        if rendition.picture_version == picture.version:
            return rendition
    return None


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "title",
        "alt_text_state",
        "credit",
        "credentials_note",
        "created_at",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = [UsedFilter, AltTextFilter, ("tags", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "alt_text", "caption", "credit", "tags__name"]
    search_help_text = _("Words of the title, alt text, caption or credit, or a tag.")
    date_hierarchy = "created_at"
    list_per_page = 60
    readonly_fields = [
        "focal_point_picker",
        "size",
        "credentials_summary",
        "uploaded_by",
        "created_at",
        "version",
        "where_used",
    ]

    class Media:
        css = {"all": ["images/library.css"]}
        js = ["images/focal-point.js"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["file", "title", "alt_text", "caption", "credit"]}),
                (_("Rights and tags"), {"fields": ["usage_note", "tags"]}),
            ]
        return [
            (None, {"fields": ["focal_point_picker", *FOCAL_FIELDS, *CROP_FIELDS]}),
            (_("Description"), {"fields": ["title", "alt_text", "caption", "credit"]}),
            (_("Rights and tags"), {"fields": ["usage_note", "tags", "credentials_summary"]}),
            (_("Where it is used"), {"fields": ["where_used"]}),
            (_("About the file"), {"fields": ["size", "uploaded_by", "created_at", "version"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PictureChangeForm if obj is not None else PictureAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form

        class AddForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, uploaded_by=request.user, **kw)

        return AddForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.prefetch_related(
            Prefetch(
                "renditions",
                queryset=Rendition.objects.filter(
                    shape=Rendition.Shape.ORIGINAL, format=Rendition.Format.JPEG
                ).order_by("width"),
                to_attr="list_renditions",
            )
        )

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.bulk_upload_view),
                name="images_picture_bulk_upload",
            ),
            path(
                "upload/one/",
                self.admin_site.admin_view(self.upload_one_view),
                name="images_picture_upload_one",
            ),
            *super().get_urls(),
        ]

    # The list.

    @admin.display(description=_("picture"))
    def thumbnail(self, picture):
        rendition = _smallest_current(picture) if hasattr(picture, "list_renditions") else None
        # No rendition yet (still being made, or storage was away): the browser scales
        # the original.
        url = rendition.file.url if rendition else picture.file.url
        return format_html(
            '<img src="{}" alt="{}" width="{}" class="picture-thumb" loading="lazy">',
            url,
            picture.alt_text,
            THUMBNAIL_WIDTH,
        )

    @admin.display(description=_("alt text"), ordering="alt_text")
    def alt_text_state(self, picture):
        if picture.alt_text:
            return picture.alt_text
        return format_html('<strong class="alt-missing">{}</strong>', gettext("Needs alt text"))

    @admin.display(description=_("content credentials"), ordering="credentials_summary")
    def credentials_note(self, picture):
        if not picture.credentials_summary:
            return "—"
        return format_html(
            '<span class="has-credentials">{}</span><br><small>{}</small>',
            gettext("Content credentials"),
            picture.credentials_summary,
        )

    # The change page.

    @admin.display(description=_("focal point and crop"))
    def focal_point_picker(self, picture):
        # The texts the script shows, in the editor's language; {width} and {height}
        # are filled in by the script.
        crop_text = gettext("Crop: {width} × {height} px")
        none_text = gettext("No crop: the whole picture is used.")
        invalid_text = gettext("This crop is not valid: drag a new one or remove it.")
        left, top, right, bottom = renditions.crop_box(picture)
        has_crop = None not in renditions.crop_fields(picture)
        return format_html(
            '<div class="focal-picker" data-focal-picker data-width="{}" data-height="{}" '
            'tabindex="0" role="group" aria-label="{}" aria-describedby="focal-picker-help">'
            '<img src="{}" alt="{}" draggable="false">'
            '<span class="crop-layer" aria-hidden="true"><span class="crop-box" hidden></span>'
            "</span>"
            '<span class="focal-marker" aria-hidden="true"></span></div>'
            '<p class="crop-tools"><span class="crop-size" aria-live="polite" '
            'data-crop-text="{}" data-none-text="{}" data-invalid-text="{}">{}</span> '
            '<button type="button" class="button crop-clear"{}>{}</button></p>'
            '<p class="help" id="focal-picker-help">{}</p>',
            picture.width,
            picture.height,
            gettext("Focal point and crop picker"),
            picture.file.url,
            picture.alt_text,
            crop_text,
            none_text,
            invalid_text,
            crop_text.format(width=right - left, height=bottom - top) if has_crop else none_text,
            "" if has_crop else mark_safe(" hidden"),  # a constant
            gettext("Remove crop"),
            gettext(
                "Click where the picture's subject is (or use the arrow keys; Shift for "
                "bigger steps): every crop keeps that point in the frame. To cut away "
                "edges, drag across the part of the picture to keep; the focal point moves "
                "into the crop if it falls outside. Remove crop (reachable with Tab) uses "
                "the whole picture again. Save to rebuild the renditions."
            ),
        )

    @admin.display(description=_("size"))
    def size(self, picture):
        return f"{picture.width} × {picture.height} px"

    @admin.display(description=_("used in"))
    def where_used(self, picture):
        uses = usage.where_used(picture)
        if not uses:
            return gettext("Not used anywhere yet.")
        return format_html(
            '<ul class="picture-uses">{}</ul>',
            format_html_join(
                "",
                "<li>{}: {}</li>",
                (
                    (
                        use.kind,
                        format_html('<a href="{}">{}</a>', use.admin_url, use.label)
                        if use.admin_url
                        else use.label,
                    )
                    for use in uses
                ),
            ),
        )

    # Saving.

    def save_model(self, request, obj, form, change):
        if not change:
            # uploads.accept() saved it (PictureAddForm).
            if form.already_in_library:
                self.message_user(
                    request,
                    gettext("This file is already in the library: here is the picture."),
                    messages.WARNING,
                )
            return
        point, crop = (obj.focal_x, obj.focal_y), renditions.crop_fields(obj)
        moved = set(FOCAL_FIELDS + CROP_FIELDS) & set(form.changed_data)
        if moved:
            # set_focal_point() compares with the point and crop as they were: save
            # the words first.
            for name in FOCAL_FIELDS + CROP_FIELDS:
                setattr(obj, name, form.initial[name])
        obj.save()
        if not moved:
            return
        try:
            renditions.set_focal_point(
                obj, *point, crop=None if None in crop else crop, by=request.user
            )
        except ValidationError as error:
            obj.refresh_from_db()
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        except (StorageUnavailable, OSError):
            obj.refresh_from_db()
            self.message_user(
                request,
                gettext(
                    "The focal point and crop could not be changed: the renditions could "
                    "not be made just now. Try again in a moment."
                ),
                messages.ERROR,
            )

    def response_add(self, request, obj, post_url_continue=None):
        # Plain "Save" goes on to the picture: its focal point is set there.
        if not {"_addanother", "_popup", "_continue"} & set(request.POST):
            request.POST = request.POST.copy()
            request.POST["_continue"] = "1"
        return super().response_add(request, obj, post_url_continue)

    # Several pictures at once.

    def bulk_upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Upload several pictures"),
            "upload_url": reverse("admin:images_picture_upload_one"),
            "changelist_url": reverse("admin:images_picture_changelist"),
            "max_bytes": settings.NEWSROOM_IMAGE_MAX_BYTES,
        }
        return render(request, "admin/images/picture/bulk_upload.html", context)

    def upload_one_view(self, request):
        """One file of a bulk upload (the page's script sends each file on its own):
        JSON with the new picture's change page, or the refusal's message."""
        if request.method != "POST":
            return JsonResponse({"error": gettext("Send the file with POST.")}, status=405)
        if not self.has_add_permission(request):
            return JsonResponse({"error": gettext("You may not upload pictures.")}, status=403)
        file = request.FILES.get("file")
        if file is None:
            return JsonResponse({"error": gettext("Choose a picture file to upload.")}, status=400)
        existed = Picture.objects.filter(sha256=_digest(file)).exists()
        try:
            picture = uploads.accept(
                file, title=_title_from_name(file.name), alt_text="", by=request.user
            )
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        except (StorageUnavailable, OSError):
            return JsonResponse({"error": str(STORAGE_FAILED)}, status=503)
        if not existed:
            self.log_addition(request, picture, [{"added": {}}])
        return JsonResponse(
            {
                "id": picture.pk,
                "title": picture.title,
                "url": reverse("admin:images_picture_change", args=[picture.pk]),
                "existing": existed,
                "needs_alt_text": not picture.alt_text,
            },
            status=200 if existed else 201,
        )
