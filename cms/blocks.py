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
