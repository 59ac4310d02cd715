import factory
from django.core.files.base import ContentFile

from media.models import VideoAsset


class VideoAssetFactory(factory.django.DjangoModelFactory):
    """An asset row with a placeholder source; tests that transcode make a real clip instead."""

    class Meta:
        model = VideoAsset

    title = factory.Sequence(lambda n: f"Лекция {n}")
    source = factory.LazyFunction(lambda: ContentFile(b"not transcoded", name="source.mp4"))
