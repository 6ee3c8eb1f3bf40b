"""The PDF letter of a written answer (6.2), kept with the answer.

fpdf2 with a Unicode TrueType font (``settings.PDF_FONT_PATH``, DejaVu Sans by default:
Debian package fonts-dejavu-core) so Russian and the Kazakh letters ә ғ қ ң ө ұ ү һ і
render; the core PDF fonts cover Latin only.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from fpdf import FPDF

from homeshop_privacy.calendar import local_date
from homeshop_privacy.timestamps import display_date

# fontTools logs every subsetting step at INFO: one letter is not worth 60 log lines.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def letterhead() -> str:
    """The sender, in the language active now: a Kazakh letter is headed wholly in Kazakh,
    not in Russian and English side by side (issue 13)."""
    return gettext("LLP “Shoperga”, Homeshop.kz")


def _font_paths() -> tuple[str, str]:
    regular = Path(settings.PDF_FONT_PATH)
    if not regular.exists():
        raise RuntimeError(
            f"PDF font not found at {regular}: install fonts-dejavu-core or set PDF_FONT_PATH"
        )
    bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
    return str(regular), str(bold if bold.exists() else regular)


def answer_pdf(*, answer, claim) -> bytes:
    regular, bold = _font_paths()
    pdf = FPDF(format="A4")
    pdf.set_title(f"{claim.reference}")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("Letter", "", regular)
    pdf.add_font("Letter", "B", bold)
    pdf.add_page()
    with translation.override(answer.language):
        sender = letterhead()
        pdf.set_author(sender)
        sent_on = local_date(answer.sent_at)
        pdf.set_font("Letter", "B", 11)
        pdf.multi_cell(0, 6, sender, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Letter", "", 10)
        pdf.multi_cell(0, 5, display_date(sent_on), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        recipient = [claim.claimant_name, claim.claimant_address, claim.claimant_email]
        pdf.multi_cell(
            0,
            5,
            gettext("To: %(who)s") % {"who": "\n".join(line for line in recipient if line)},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(6)
        pdf.set_font("Letter", "B", 12)
        title = gettext("Answer to claim No. %(reference)s of %(received)s") % {
            "reference": claim.reference,
            "received": display_date(claim.received_on),
        }
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("Letter", "", 11)
        pdf.multi_cell(0, 6, answer.body, align="L", new_x="LMARGIN", new_y="NEXT")
        if answer.posted_tracking_number:
            pdf.ln(6)
            pdf.set_font("Letter", "", 9)
            pdf.multi_cell(
                0,
                5,
                gettext("Sent by post, tracking number %(number)s")
                % {"number": answer.posted_tracking_number},
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())
