"""A storage with no local paths, like S3: it makes the code take its remote-storage branches."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage


class RemoteLikeStorage(Storage):
    def __init__(self):
        self._inner = FileSystemStorage(location=settings.MEDIA_ROOT / "remote-bucket")

    def _open(self, name, mode="rb"):
        return self._inner._open(name, mode)

    def _save(self, name, content):
        return self._inner._save(name, content)

    def delete(self, name):
        self._inner.delete(name)

    def exists(self, name):
        return self._inner.exists(name)

    def listdir(self, path):
        return self._inner.listdir(path)

    def size(self, name):
        return self._inner.size(name)

    def url(self, name, expire=None):
        raise NotImplementedError("a private bucket without presigned URLs")
