"""CSV files organisers open in a spreadsheet: one writer, one formula guard, for every export.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / CR before one) as a
formula: a member named ``=HYPERLINK(...)`` would become a live link in an organiser's sheet (CSV
injection). Every cell written through ``write_csv`` gets a leading apostrophe when it starts like
that, so Excel, LibreOffice and Google Sheets show it as text (OWASP's advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """The cell as text, defused if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_csv(header: Iterable[str], rows: Iterable[Iterable[object]], *, bom: bool = False) -> bytes:
    """RFC 4180 CSV (quotes where needed, CRLF line ends), UTF-8; every cell through ``csv_safe``.

    ``bom`` prefixes a UTF-8 byte-order mark so that Excel shows non-ASCII names correctly; tools that
    import files (listmonk) read it as part of the first header, so they get none."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


__all__ = ["FORMULA_PREFIXES", "csv_safe", "write_csv"]
