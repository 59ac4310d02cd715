"""The project's file storage: Django's, with file names a file system takes.

An uploaded file keeps its name, but most file systems refuse a name over 255 bytes — about 128
Cyrillic letters in UTF-8 — and the upload would end in a 500. The name's stem is cut (at a
character boundary) so that the name, with the suffix Django adds to make it unique, fits."""

from django.core.files import storage

# 255 bytes less room for get_available_name's "_" + 7 random characters, with a margin.
MAX_NAME_BYTES = 200


def filename_shorten(name: str, *, limit: int = MAX_NAME_BYTES) -> str:
    """`name` (a base name, no folders) cut to at most `limit` UTF-8 bytes, its extension kept."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode()) > 16:
        stem, dot, extension = name, "", ""
    room = limit - len(dot.encode()) - len(extension.encode())
    return stem.encode()[:room].decode("utf-8", "ignore") + dot + extension


class FileSystemStorage(storage.FileSystemStorage):
    def get_valid_name(self, name: str) -> str:
        return filename_shorten(super().get_valid_name(name))
