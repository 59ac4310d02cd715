"""One way to make a PDF for the project (CVs, certificates, dossiers): a Django template rendered to
HTML and laid out by WeasyPrint, with the machine's DejaVu fonts embedded (Cyrillic included;
`make system-deps` installs them with pango).

A PDF carries people's own text and photos, so the layout engine fetches nothing: no network, no
files; only `data:` URLs (a photo is passed in as one, `pdf_image_data_url`). Styles go inline in the
template. A resource the document asks for elsewhere is left out (WeasyPrint logs it), never read."""

import base64

from django.template.loader import render_to_string

PDF_FONT_FAMILY = "DejaVu Sans"
PDF_CONTENT_TYPE = "application/pdf"


def _fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)


def pdf_render(*, template: str, context: dict) -> bytes:
    """The template (extending lms/pdf/base.html, which sets the font) as PDF bytes."""
    return pdf_from_html(html=render_to_string(template, {**context, "pdf_font_family": PDF_FONT_FAMILY}))


def pdf_from_html(*, html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetcher()).write_pdf()


def pdf_image_data_url(*, content: bytes, content_type: str) -> str:
    """An image as a `data:` URL, the one way a picture gets into a PDF."""
    return f"data:{content_type};base64,{base64.b64encode(content).decode()}"
