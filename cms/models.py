from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from cms.blocks import HomeStreamBlock


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(HomeStreamBlock(), verbose_name=_("body"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from lms.selectors import season_open_for_applications

        context = super().get_context(request, *args, **kwargs)
        context["open_season"] = season_open_for_applications()
        return context


@register_setting(icon="cog")
class ProgrammeSettings(BaseSiteSetting):
    programme_name = models.CharField(_("programme name"), max_length=200, default="ProКадры")
    support_email = models.EmailField(_("support e-mail"), blank=True)
    support_phone = models.CharField(_("support phone"), max_length=40, blank=True)

    panels = [FieldPanel("programme_name"), FieldPanel("support_email"), FieldPanel("support_phone")]

    class Meta:
        verbose_name = _("programme settings")
