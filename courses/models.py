from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from cms.blocks import BaseStreamBlock
from lms.models import Track


class CourseIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course index")


class CoursePage(Page):
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    track = models.CharField(_("track"), max_length=15, choices=Track.choices)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("description"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [
        FieldPanel("season"),
        FieldPanel("track"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
