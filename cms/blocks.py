"""The one base StreamBlock every page body builds on (text, attachments, links)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    size = blocks.ChoiceBlock(
        label=_("Size"), choices=[("h2", "H2"), ("h3", "H3"), ("h4", "H4")], default="h2", required=False
    )

    class Meta:
        icon = "title"
        template = "cms/blocks/heading_block.html"


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("File"))
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        template = "cms/blocks/attachment_block.html"


class LinkBlock(blocks.StructBlock):
    url = blocks.URLBlock(label=_("Address"))
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    description = blocks.CharBlock(label=_("Description"), required=False, max_length=300)

    class Meta:
        icon = "link"
        template = "cms/blocks/link_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Text"), icon="pilcrow", features=["bold", "italic", "link", "ol", "ul", "h3", "h4"]
    )
    image = ImageBlock(label=_("Image"))
    attachment = AttachmentBlock()
    link = LinkBlock()
    quote = blocks.BlockQuoteBlock(label=_("Quote"))


class LevelCardBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Level"), max_length=100)
    who = blocks.TextBlock(label=_("Who it is for"))
    path = blocks.TextBlock(label=_("Course and internship"), required=False)

    class Meta:
        icon = "group"


class LevelsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    levels = blocks.ListBlock(LevelCardBlock(), label=_("Levels"))

    class Meta:
        icon = "group"
        label = _("Levels of the programme")
        template = "cms/blocks/levels_block.html"


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Step"), max_length=200)
    text = blocks.TextBlock(label=_("What to do"), required=False)


class StepsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    steps = blocks.ListBlock(StepBlock(), label=_("Steps"))

    class Meta:
        icon = "list-ol"
        label = _("Steps (how to apply)")
        template = "cms/blocks/steps_block.html"


class SeasonTimelineBlock(blocks.StaticBlock):
    """The stages of the season being run, with their dates, from the season's own record: editors
    place it, the dates stay true without anyone editing the page."""

    class Meta:
        icon = "date"
        label = _("Season timeline (from the season's dates)")
        admin_text = _("Shows the stages and dates of the current season.")
        template = "cms/blocks/season_timeline_block.html"

    def get_context(self, value, parent_context=None):
        from lms.selectors import season_public, season_timeline

        context = super().get_context(value, parent_context=parent_context)
        season = season_public()
        context["season"] = season
        context["timeline"] = season_timeline(season=season) if season else []
        return context


class ContactsBlock(blocks.StaticBlock):
    """The programme's contacts from its site settings, so they are written in one place."""

    class Meta:
        icon = "mail"
        label = _("Contacts (from the programme settings)")
        admin_text = _("Shows the support e-mail and phone from the programme settings.")
        template = "cms/blocks/contacts_block.html"


class HomeStreamBlock(BaseStreamBlock):
    """The home page's body: the base blocks and what explains the programme to a newcomer."""

    levels = LevelsBlock()
    steps = StepsBlock()
    season_timeline = SeasonTimelineBlock()
    contacts = ContactsBlock()
