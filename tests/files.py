"""Builders for test documents in every supported format, made on the fly."""

from __future__ import annotations

from pathlib import Path


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None, leading: int = 14) -> Path:
    """A minimal valid PDF (Helvetica, WinAnsi) with one text line per list item, one list per page,
    and ``title`` as its document information's ``/Title`` (UTF-16, as Word writes it). Lines
    ``leading`` points apart; at 40 pdfminer reads each line as a block of its own."""
    objects: list[bytes] = []
    page_ids = []
    font_id = 3 + 2 * len(pages)
    for i, lines in enumerate(pages):
        shown = b" ".join(_pdf_string(line) + b" Tj T*" for line in lines)
        content = b"BT /F1 11 Tf %d TL 72 600 Td " % leading + shown + b" ET"
        page_id, content_id = 3 + 2 * i, 4 + 2 * i
        page_ids.append(page_id)
        objects.append(
            f"{page_id} 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >> endobj\n".encode()
        )
        objects.append(
            f"{content_id} 0 obj << /Length {len(content)} >> stream\n".encode() + content + b"\nendstream endobj\n"
        )
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    head = [
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        f"2 0 obj << /Type /Pages /Kids [{kids}] /Count {len(pages)} >> endobj\n".encode(),
    ]
    font = f"{font_id} 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> endobj\n"
    body = head + objects + [font.encode()]
    info = ""
    if title is not None:
        body.append(f"{font_id + 1} 0 obj << /Title <FEFF{title.encode('utf-16-be').hex()}> >> endobj\n".encode())
        info = f" /Info {font_id + 1} 0 R"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for obj in body:
        offsets.append(len(out))
        out += obj
    xref = len(out)
    out += f"xref\n0 {len(body) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(body) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> Path:
    from docx import Document

    doc = Document()
    doc.core_properties.title = title
    doc.add_heading(title, level=1)
    for heading, paragraphs in sections:
        doc.add_heading(heading, level=2)
        for paragraph in paragraphs:
            doc.add_paragraph(paragraph)
    doc.save(str(path))
    return path


def make_pptx(path: Path, slides: list[tuple[str, str]]) -> Path:
    from pptx import Presentation

    prs = Presentation()
    for title, body in slides:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    prs.save(str(path))
    return path


def make_scanned_pdf(path: Path, lines: list[str]) -> Path:
    """An image-only PDF (no text layer), as a scanner makes: text rendered to pixels."""
    from PIL import Image, ImageDraw, ImageFont

    font_file = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font = ImageFont.truetype(str(font_file), 40) if font_file.exists() else ImageFont.load_default(size=40)
    image = Image.new("RGB", (1700, 2200), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((120, 150 + i * 80), line, fill="black", font=font)
    image.save(path, "PDF", resolution=200)
    return path
