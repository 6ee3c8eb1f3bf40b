"""The published policy text, split into the blocks pages render."""

import re

SECTION_HEADING = re.compile(r"^\d+\.\s+\S")


def policy_blocks(text: str) -> list[tuple[str, str]]:
    """The plain policy text as (kind, text) blocks: title, heading, item or paragraph.

    The published text numbers its sections "1. ..." and its clauses "- 1.1. ...".
    """
    blocks = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if not blocks:
            blocks.append(("title", line))
        elif line.startswith("- "):
            blocks.append(("item", line[2:].strip()))
        elif SECTION_HEADING.match(line):
            blocks.append(("heading", line))
        else:
            blocks.append(("para", line))
    return blocks
