from datetime import timedelta

import factory
from django.utils import timezone

from live.models import LiveSession, Speaker
from lms.choices import Track
from tests.factories import SeasonFactory, UserFactory


def course_page_create(*, season, track=Track.INTRODUCTORY, slug=None):
    from wagtail.models import Page

    from courses.models import CourseIndexPage, CoursePage

    index = CourseIndexPage.objects.first()
    if index is None:
        from cms.models import HomePage

        home = HomePage.objects.first() or Page.objects.get(depth=1)
        index = home.add_child(instance=CourseIndexPage(title="Курсы", slug="courses-live-tests"))
    slug = slug or f"course-{season.pk}-{track}-{CoursePage.objects.count()}"
    return index.add_child(instance=CoursePage(title=f"Курс {slug}", slug=slug, season=season, track=track))


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda s: f"{s.user.first_name} {s.user.last_name}")
    bio = "Эксперт программы."


class LiveSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveSession
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Эфир {n}")
    season = factory.SubFactory(SeasonFactory)
    track = Track.INTRODUCTORY
    course = factory.LazyAttribute(lambda s: course_page_create(season=s.season, track=s.track))
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(minutes=5))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(minutes=90))

    @factory.post_generation
    def speakers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.speakers.set(extracted)


def season_session_make(*, season, parent=None, capacity=None, starts_in=timedelta(days=2), minutes=90, **fields):
    """A season-wide session (the closing meeting, or a panel of `parent`): no course, no track."""
    starts_at = timezone.now().replace(microsecond=0) + starts_in
    return LiveSession.objects.create(
        title=fields.pop("title", f"Итоговая встреча {LiveSession.objects.count()}"),
        kind=LiveSession.Kind.SEASON,
        season=season,
        course=None,
        track="",
        parent=parent,
        capacity=capacity,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        **fields,
    )
