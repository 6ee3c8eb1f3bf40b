"""The published policy text, split into the blocks pages render.

The text is Markdown as the policy is published: a title line, paragraphs, sections
numbered "1. ..." and clauses "- 1.1. ...". Markdown would read "1. ..." as a list, so
the structure (section, clause) is taken from the lines here and only each line's own
text goes through the Markdown library (emphasis, links), then through an HTML
sanitiser: a policy text is typed by staff and shown to every visitor, so nothing but a
few inline tags survives.
"""

import re
from dataclasses import dataclass

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

SECTION_HEADING = re.compile(r"^(?P<number>\d+)\.\s+\S")
CLAUSE = re.compile(r"^(?P<number>\d+(?:\.\d+)+)\.?\s")
INLINE_TAGS = {"strong", "em", "b", "i", "a", "code", "br"}
INLINE_ATTRIBUTES = {"a": {"href", "title"}}
LINK_SCHEMES = {"https", "mailto"}


@dataclass(frozen=True)
class PolicyBlock:
    kind: str  # title, heading, item or para
    html: SafeString
    number: str = ""

    @property
    def anchor(self) -> str:
        return "clause-" + self.number.replace(".", "-") if self.number else ""


def inline_html(line: str) -> SafeString:
    """One line of policy Markdown as sanitised inline HTML.

    A leading "7." is escaped so that Markdown keeps it as text, not a list.
    """
    source = re.sub(r"^(\d+)\.", r"\1\\.", line)
    rendered = markdown.markdown(source)
    rendered = re.sub(r"^<p>|</p>$", "", rendered.strip())
    cleaned = nh3.clean(
        rendered,
        tags=INLINE_TAGS,
        attributes=INLINE_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


def policy_blocks(text: str) -> list[PolicyBlock]:
    """The policy text as blocks: title, heading (a section), item (a clause) or para."""
    blocks = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if not blocks:
            blocks.append(PolicyBlock("title", inline_html(line)))
        elif line.startswith("- "):
            item = line[2:].strip()
            match = CLAUSE.match(item)
            number = match["number"] if match else ""
            blocks.append(PolicyBlock("item", inline_html(item), number))
        elif match := SECTION_HEADING.match(line):
            blocks.append(PolicyBlock("heading", inline_html(line), match["number"]))
        else:
            blocks.append(PolicyBlock("para", inline_html(line)))
    return blocks


def policy_toc(blocks: list[PolicyBlock]) -> list[PolicyBlock]:
    """The sections, in order, for the table of contents (linked by clause number)."""
    return [block for block in blocks if block.kind == "heading"]
