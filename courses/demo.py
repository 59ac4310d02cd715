"""Demo content of this app, created when `seed_demo` runs."""

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage
from lms.models import Track

DEMO_COURSES = [
    (
        "vvodnyj-kurs",
        "Вводный курс: путь на государственную службу",
        Track.INTRODUCTORY,
        "Основы государственного устройства, цифровая трансформация, проектное управление.",
    ),
    (
        "prodvinutyj-kurs",
        "Продвинутый курс: работа в ФОИВ",
        Track.ADVANCED,
        "Как устроена работа федерального органа исполнительной власти; обмен опытом.",
    ),
]


def course_index_ensure() -> CourseIndexPage:
    index = CourseIndexPage.objects.first()
    if index is None:
        home = HomePage.objects.first()
        index = CourseIndexPage(title="Курсы", slug="courses")
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def demo_courses_seed(sender, season, stdout=None, **kwargs) -> list[CoursePage]:
    index = course_index_ensure()
    courses = []
    for slug, title, track, summary in DEMO_COURSES:
        course = CoursePage.objects.filter(slug=slug).first()
        if course is None:
            course = CoursePage(title=title, slug=slug, season=season, track=track, summary=summary)
            index.add_child(instance=course)
            course.save_revision().publish()
        courses.append(course)
    if stdout is not None:
        stdout.write(f"Courses: {', '.join(c.title for c in courses)}")
    return courses
