"""ReportLab plumbing shared by the project sheet and the portfolio report: the embedded font, the
paragraph styles, text that wraps, tables, pictures, and pages with a header and "page n of N".

The font is DejaVu Sans from Debian's ``fonts-dejavu-core`` (it has every Vietnamese letter),
embedded (subset) in each PDF; nothing is fetched at run time.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Table, TableStyle

from portfolio._errors import ExportError

#: Where Debian's fonts-dejavu-core puts the fonts (``apt-get install fonts-dejavu-core``).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
_FONT_LOCK = threading.Lock()
#: One document laid out at a time: the embedded fonts' subsetting state is shared by all documents.
_BUILD_LOCK = threading.Lock()

GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#bbbbbb")
HEAD_FILL = colors.HexColor("#eeeeee")


class ReportError(ExportError):
    """A report cannot be made (a font missing, an unknown project)."""


class UnknownProjectError(ReportError, KeyError):
    """No project of the register has the id asked for."""

    def __init__(self, ident: str) -> None:
        super().__init__(ident)
        self.ident = ident

    def __str__(self) -> str:
        return f"no project has the id {self.ident!r}"


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold) with ReportLab once.

    Raises
    ------
    ReportError
        A font file is missing (install Debian's ``fonts-dejavu-core``).
    """
    with _FONT_LOCK:
        registered = set(pdfmetrics.getRegisteredFontNames())
        for name, file in _FONT_FILES.items():
            if name in registered:
                continue
            path = FONT_DIR / file
            if not path.is_file():
                raise ReportError(f"font {path} is missing: install Debian's fonts-dejavu-core")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles (every one in DejaVu Sans)."""
    base = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.6)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18, spaceAfter=2
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=3
        ),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.2, leading=8.8, textColor=GREY),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.4, leading=9),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=FONT_BOLD, fontSize=7.4, leading=9),
        "num": ParagraphStyle("num", parent=base, fontSize=7.4, leading=9, alignment=TA_RIGHT),
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=6.3, leading=7.6, textColor=GREY),
    }


def text(value: object) -> str:
    """``value`` as paragraph markup: escaped, line breaks kept."""
    return escape(str(value if value is not None else "")).replace("\n", "<br/>")


def para(value: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text ``value`` (wrapped at spaces to its column's width)."""
    return Paragraph(text(value), style)


def table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header: bool = True,
    align_right: Sequence[int] = (),
) -> Table:
    """A table whose cells wrap (pass :class:`Paragraph` cells); the header row repeats on each page."""
    out = Table(list(rows), colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    for col in align_right:
        style.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
    out.setStyle(TableStyle(style))
    return out


def picture(png: bytes, width: float, max_height: float | None = None) -> Image:
    """A PNG as a flowable ``width`` points wide (narrower if it would be taller than ``max_height``),
    its proportions kept."""
    image = Image(io.BytesIO(png))
    ratio = image.imageHeight / image.imageWidth
    if max_height is not None and width * ratio > max_height:
        width = max_height / ratio
    image.drawWidth, image.drawHeight = width, width * ratio
    return image


def _page_maker(header: str, footer: Callable[[int, int], str], margin: float) -> type[Canvas]:
    """A canvas class that writes ``header`` at the top and ``footer(page, pages)`` at the bottom of
    every page (the page count is known once the whole document is laid out)."""

    class PagedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width, height = self._pagesize
                self.setFont(FONT, 7.5)
                self.setFillColor(GREY)
                self.drawString(margin, height - margin + 4 * mm, header)
                self.setStrokeColor(RULE)
                self.setLineWidth(0.4)
                self.line(margin, height - margin + 2.8 * mm, width - margin, height - margin + 2.8 * mm)
                self.drawRightString(width - margin, margin - 6 * mm, footer(number, total))
                super().showPage()
            super().save()

    return PagedCanvas


def build(
    story: list[Flowable],
    *,
    pagesize: tuple[float, float],
    margin: float,
    title: str,
    header: str,
    footer: Callable[[int, int], str],
    lang: str,
) -> bytes:
    """Lay ``story`` out on pages of ``pagesize`` and return the PDF."""
    register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author="cantho-portfolio",
        lang=lang,
        creator="cantho-portfolio (ReportLab)",
    )
    with _BUILD_LOCK:
        doc.build(story, canvasmaker=_page_maker(header, footer, margin))
    return out.getvalue()
