"""lms.pdf: Cyrillic text in an embedded font, and a layout that fetches nothing but data: URLs."""

import io

from django.template import engines
from pypdf import PdfReader

from lms import pdf

TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


def _render(source: str, context: dict) -> PdfReader:
    """A template's source, extending the PDFs' base, rendered as pdf_render does."""
    html = engines["django"].from_string(source).render({**context, "pdf_font_family": pdf.PDF_FONT_FAMILY})
    document = pdf.pdf_from_html(html=html)
    assert document.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(document))


def test_cyrillic_text_is_laid_out_in_the_embedded_dejavu_font():
    body = '{% extends "lms/pdf/base.html" %}{% block body %}<h1>{{ name }}</h1>{% endblock %}'
    reader = _render(body, {"name": "Справка-объективка: Иванова Мария"})
    page = reader.pages[0]
    assert "Справка-объективка: Иванова Мария" in page.extract_text()
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert fonts and all("DejaVu-Sans" in font["/BaseFont"] for font in fonts)
    # The font's program is in the file (a subset), not only its name.
    assert all("/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts)


def test_only_data_urls_are_fetched(tmp_path, caplog):
    secret = tmp_path / "secret.png"
    secret.write_bytes(TINY_PNG)
    body = (
        '{% extends "lms/pdf/base.html" %}{% block body %}'
        '<img src="{{ inline }}" alt=""><img src="file://{{ secret }}" alt="">'
        '<img src="http://127.0.0.1:9/x.png" alt="">{% endblock %}'
    )
    inline = pdf.pdf_image_data_url(content=TINY_PNG, content_type="image/png")
    reader = _render(body, {"inline": inline, "secret": secret})
    assert len(reader.pages[0].images) == 1
    assert "disallowed protocol: file://" in caplog.text and "disallowed protocol: http://" in caplog.text
