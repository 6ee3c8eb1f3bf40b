"""The notification of a breach to the authorised body as a PDF (Law 94-V art. 25 p.2).

The same machinery as the claims' answer letters (fpdf2 with the Unicode TrueType font
of ``settings.PDF_FONT_PATH``, so the Kazakh letters render); the letterhead is in the
document's language. A filed incident gives the text that was sent, frozen with the
filing; an unfiled one a draft from its current content, marked as such.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from fpdf import FPDF

from homeshop_privacy.calendar import local_date
from homeshop_privacy.timestamps import display_date

from .models import BreachIncident

# fontTools logs every subsetting step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _font_paths() -> tuple[str, str]:
    regular = Path(settings.PDF_FONT_PATH)
    if not regular.exists():
        raise RuntimeError(
            f"PDF font not found at {regular}: install fonts-dejavu-core or set PDF_FONT_PATH"
        )
    bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
    return str(regular), str(bold if bold.exists() else regular)


def filing_pdf(*, incident: BreachIncident, language: str) -> bytes:
    from .services import breach_filing_text

    filing = incident.filing if incident.is_filed else None
    text = (
        getattr(filing, f"text_{language}")
        if filing is not None
        else breach_filing_text(incident=incident, language=language)
    )
    regular, bold = _font_paths()
    pdf = FPDF(format="A4")
    pdf.set_title(incident.reference)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("Letter", "", regular)
    pdf.add_font("Letter", "B", bold)
    pdf.add_page()
    with translation.override(language):
        sender = gettext("LLP “Shoperga”, Homeshop.kz")
        pdf.set_author(sender)
        pdf.set_font("Letter", "B", 11)
        pdf.multi_cell(0, 6, sender, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Letter", "", 10)
        day = local_date(filing.filed_at) if filing else local_date(timezone.now())
        pdf.multi_cell(0, 5, display_date(day), new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(
            0,
            5,
            gettext("To: the authorised body for the protection of personal data"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if filing is not None:
            pdf.multi_cell(
                0,
                5,
                gettext("Filing reference: %(reference)s") % {"reference": filing.reference},
                new_x="LMARGIN",
                new_y="NEXT",
            )
        else:
            pdf.set_font("Letter", "B", 10)
            pdf.multi_cell(0, 5, gettext("DRAFT — not filed yet"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        title, _sep, body = text.partition("\n")
        pdf.set_font("Letter", "B", 12)
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Letter", "", 11)
        pdf.multi_cell(0, 6, body.strip("\n"), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
