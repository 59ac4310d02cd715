"""The CV as a PDF, in the standard shape of a "справка-объективка": photo and name at the top,
then date and place of birth, education, work, public activity, awards, languages."""

from django.core.files.storage import default_storage
from django.utils import translation

from lms.candidacy.models import CvVersion
from lms.pdf import pdf_image_data_url, pdf_render


def cv_pdf(*, version: CvVersion) -> bytes:
    """Always in Russian, the document's language, whoever downloads it."""
    photo = ""
    if version.photo:
        with default_storage.open(version.photo.name, "rb") as handle:
            photo = pdf_image_data_url(content=handle.read(), content_type=version.photo_content_type)
    with translation.override("ru"):
        return pdf_render(template="lms/candidacy/cv_pdf.html", context={"cv": version, "photo": photo})


def cv_pdf_filename(*, version: CvVersion) -> str:
    return f"cv-{version.participant_id}-v{version.number}.pdf"
