"""Where uploaded media live: the local disk (one machine) or S3-compatible object storage.

Everything goes through Django's storage API (``default_storage``): the picture field,
django-imagekit's renditions, the admin, and ``newsroom.views.media``, which streams
any stored file to readers, so with object storage any host serves any upload.

Both backends here add two things to Django's:

* failures of the storage itself (the object store does not answer, refuses our
  keys, the disk is full) are raised as ``StorageUnavailable``, so callers can say
  "try again in a moment" instead of failing with a 500; a missing file stays
  ``FileNotFoundError``;
* ``open_media(name, body=...)`` returns what serving a file needs (size, time,
  ETag, a stream of chunks) in one call: one ``stat`` on disk, one GET (or HEAD)
  on S3.

URLs of stored files are ``MEDIA_URL`` + name on both: the site's own ``/media/``
unless ``MEDIA_URL`` names a CDN or a public bucket. No signed, expiring bucket
URLs end up in cached pages.
"""

import functools
import logging
import mimetypes
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3File, S3Storage
from storages.utils import clean_name

from . import outages

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024

# One warning a minute while media storage stays away, one when it is back.
media_storage = outages.Outage("Media storage")


class StorageUnavailable(Exception):  # noqa: N818 - reads better at the call sites
    """Media storage did not answer or refused the request: not the caller's fault."""


@dataclass
class MediaObject:
    """A stored file as the media view serves it."""

    size: int
    modified: datetime | None
    etag: str | None
    content_type: str
    stream: object = None  # a binary file-like object, or None when only metadata was asked

    def chunks(self):
        return _Chunks(self.stream)

    def close(self):
        if self.stream is not None:
            self.stream.close()


class _Chunks:
    """The stream in chunks; ``close()`` (called by the WSGI server) closes the stream
    even when no chunk was read, which a generator's ``close()`` would not."""

    def __init__(self, stream):
        self.stream = stream

    def __iter__(self):
        while chunk := self.stream.read(CHUNK_SIZE):
            yield chunk

    def close(self):
        self.stream.close()


def content_type(name):
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def safe_name(path):
    """``path`` from a URL as a storage name, or None when it is not one we serve.

    Refuses empty and absolute paths, ``.`` and ``..`` parts, empty parts, backslashes
    and NUL: nothing outside the media root or bucket prefix is ever asked for.
    """
    if not path or "\\" in path or "\x00" in path:
        return None
    if any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return path


def open_media(name, *, body=True, storage=None):
    """``name`` from media storage (``default_storage`` unless given) for serving.

    Raises FileNotFoundError when there is no such file, StorageUnavailable when the
    storage fails. Works with any Django storage; the two below do it in one call.
    """
    storage = storage or default_storage
    if hasattr(storage, "open_media"):
        return storage.open_media(name, body=body)
    try:
        size = storage.size(name)
        try:
            modified = storage.get_modified_time(name)
        except NotImplementedError:
            modified = None
        stream = storage.open(name, "rb") if body else None
    except (FileNotFoundError, StorageUnavailable):
        raise
    except OSError as error:
        raise StorageUnavailable(str(error)) from error
    etag = f'"{size:x}-{int(modified.timestamp()):x}"' if modified else None
    return MediaObject(size, modified, etag, content_type(name), stream)


# The local disk ------------------------------------------------------------------


class MediaFileSystemStorage(FileSystemStorage):
    """Django's disk storage; a disk that cannot be written says so clearly."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as error:
            if isinstance(error, FileExistsError):
                raise  # Django's own race handling relies on it
            media_storage.failed(error, consequence="uploads refused")
            raise StorageUnavailable(f"The media folder cannot be written: {error}") from error

    def open_media(self, name, *, body=True):
        path = self.path(name)  # SuspiciousFileOperation outside MEDIA_ROOT
        stream = None
        try:
            if body:
                stream = open(path, "rb")  # noqa: SIM115 - closed by the response
                info = os.fstat(stream.fileno())
            else:
                info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise FileNotFoundError(name) from None
        except OSError as error:
            media_storage.failed(error, consequence="media answering 503")
            raise StorageUnavailable(f"The media folder cannot be read: {error}") from error
        if not stat.S_ISREG(info.st_mode):
            if stream is not None:
                stream.close()
            raise FileNotFoundError(name)
        return MediaObject(
            size=info.st_size,
            modified=datetime.fromtimestamp(info.st_mtime, UTC),
            etag=f'"{info.st_size:x}-{info.st_mtime_ns:x}"',
            content_type=content_type(name),
            stream=stream,
        )


# S3-compatible object storage ------------------------------------------------------


def _is_missing(error):
    return isinstance(error, ClientError) and (
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404
        or error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")
    )


def _translate(error):
    """A boto error as FileNotFoundError (no such key) or StorageUnavailable (anything else)."""
    if _is_missing(error):
        return FileNotFoundError(str(error))
    media_storage.failed(error, consequence="media uploads and downloads failing")
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "error")
        return StorageUnavailable(f"Object storage refused the request ({code}).")
    return StorageUnavailable(f"Object storage did not answer ({error.__class__.__name__}).")


def _translated(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            result = method(*args, **kwargs)
        except (BotoCoreError, Boto3Error, ClientError) as error:
            raise _translate(error) from error
        media_storage.recovered()
        return result

    return wrapper


class MediaS3File(S3File):
    """An S3 object opened for reading; a failed download is StorageUnavailable too."""

    _get_file = _translated(S3File._get_file)
    file = property(_get_file, S3File._set_file)


class MediaS3Storage(S3Storage):
    """django-storages' S3 backend, set up for a newsroom's media.

    Names are never reused (``file_overwrite = False``): revisions and cached pages
    keep pointing at the picture they showed. Timeouts and retries are short, so a
    store that does not answer costs an editor seconds, not minutes.
    """

    file_overwrite = False
    querystring_auth = False
    default_acl = None
    # Short, so a storage outage does not hold a gunicorn worker for long.
    timeouts = Config(
        connect_timeout=3, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"}
    )

    def __init__(self, **options):
        super().__init__(**options)
        self.client_config = self.client_config.merge(self.timeouts)

    def url(self, name, parameters=None, expire=None, http_method=None):
        # Where readers fetch it: the site (which streams it from the bucket), a CDN or
        # a public bucket, as MEDIA_URL says; never a signed, expiring bucket URL.
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name.lstrip("/")))

    def _open(self, name, mode="rb"):
        key = self._normalize_name(clean_name(name))
        try:
            return MediaS3File(key, mode, self)
        except (BotoCoreError, Boto3Error, ClientError) as error:
            raise _translate(error) from error

    @_translated
    def open_media(self, name, *, body=True):
        key = self._normalize_name(clean_name(name))
        client = self.connection.meta.client
        fetch = client.get_object if body else client.head_object
        found = fetch(Bucket=self.bucket_name, Key=key)
        return MediaObject(
            size=found["ContentLength"],
            modified=found.get("LastModified"),
            etag=found.get("ETag"),
            content_type=content_type(name),
            stream=found["Body"] if body else None,
        )

    _save = _translated(S3Storage._save)
    delete = _translated(S3Storage.delete)
    exists = _translated(S3Storage.exists)
    listdir = _translated(S3Storage.listdir)
    size = _translated(S3Storage.size)
    get_modified_time = _translated(S3Storage.get_modified_time)
