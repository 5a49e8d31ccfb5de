"""A hostile-files corpus, generated on the fly: what years of municipal file shares really hold.

``build_hostile_corpus(folder)`` writes each hostile file next to a few good ones and returns what
the ingest must say about every file: ``HostileFile.reason`` is a fragment of the expected failure
reason, or None for a file that must be indexed despite looking odd (mixed encodings, very long
lines, deep HTML that still holds text). Nothing here is downloaded; big files are sparse or
compress to almost nothing, so the corpus costs a few MB of disk.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.files import make_docx, make_pdf, make_pptx, make_scanned_pdf

GOOD_TEXTS = {
    "rutin_hot.txt": (
        "Rutin vid hot och våld mot personal\n\n"
        "Vid akut hot ring larmcentralen och meddela närmaste chef. Dokumentera händelsen i "
        "incidentrapporten samma dag. Chefen ansvarar för att medarbetaren erbjuds stöd och samtal."
    ),
    "mvp_skolor.md": (
        "# MVP i skolan\n\n"
        "Botkyrka kommun har startat ett samarbete kring Mentorer i våldsprevention med tre skolor. "
        "Mentorerna utbildas under hösten och arbetet följs upp av kommunens samordnare."
    ),
}


GOOD = "a good file"


@dataclass(frozen=True)
class HostileFile:
    name: str
    what: str
    reason: str | None  # a fragment of the expected reason; None: it must be indexed

    @property
    def good(self) -> bool:
        return self.what == GOOD


def _zip(path: Path, members: dict[str, bytes | int]) -> None:
    """A zip archive; a member given as an int is that many zero bytes, streamed (a bomb's 1 GiB
    never sits in the test's memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if isinstance(data, int):
                with archive.open(name, "w", force_zip64=True) as member:
                    for _ in range(data >> 20):
                        member.write(_ZERO_MB)
            else:
                archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


_ZERO_MB = bytes(1 << 20)


def encrypted_pdf(path: Path, scratch: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(scratch / "plain.pdf", [["Hemlig text om rutiner vid hot."]])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hemligt", owner_password="ägare")
    with path.open("wb") as fh:
        writer.write(fh)


def _blank_scan(path: Path) -> None:
    """An image-only PDF with nothing on the page: a scanner's empty sheet."""
    from PIL import Image

    Image.new("L", (850, 1100), 255).save(path, "PDF", resolution=100)


def build_hostile_corpus(folder: Path) -> list[HostileFile]:
    """Write the corpus into ``folder`` (created) and return the expectation for every file."""
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder.parent / f".{folder.name}-scratch"
    scratch.mkdir(exist_ok=True)
    expected: list[HostileFile] = []

    def add(name: str, what: str, reason: str | None, data: bytes | None = None) -> Path:
        path = folder / name
        if data is not None:
            path.write_bytes(data)
        expected.append(HostileFile(name, what, reason))
        return path

    # Good files of every kind, so a run over them alone loads the same parsers (the memory baseline).
    for name, text in GOOD_TEXTS.items():
        add(name, GOOD, None, text.encode("utf-8"))
    pdf_lines = ["Handlingsplan mot våld i nära relationer.", "Planen gäller alla förvaltningar i kommunen."]
    pdf = make_pdf(scratch / "good.pdf", [pdf_lines]).read_bytes()
    add("handlingsplan.pdf", GOOD, None, pdf)
    sections = [("Bakgrund", ["Skolan arbetar med trygghet och studiero enligt den nya planen för läsåret."])]
    add("trygghetsplan.docx", GOOD, None, make_docx(scratch / "t.docx", "Trygghetsplan", sections).read_bytes())
    slides = [("Våldsprevention", "Samverkan mellan skola, socialtjänst och polis i kommunen.")]
    add("presentation.pptx", GOOD, None, make_pptx(scratch / "v.pptx", slides).read_bytes())
    scan = make_scanned_pdf(scratch / "scan.pdf", ["Protokoll från samverkansmötet", "om trygghet i skolan."])
    add("protokoll_skannat.pdf", GOOD, None, scan.read_bytes())
    page = "<html><head><title>Stöd</title></head><body><main><p>Kommunen erbjuder stöd till våldsutsatta.</p></main>"
    add("stod.html", GOOD, None, (page + "</body></html>").encode())

    # -- PDFs -----------------------------------------------------------------------------
    add("corrupt.pdf", "a PDF header and garbage", "corrupt", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")
    add("truncated.pdf", "a real PDF cut in half", "", pdf[: len(pdf) // 2])
    encrypted_pdf(add("encrypted.pdf", "a password-protected PDF", "encrypted"), scratch)
    _blank_scan(add("blank_scan.pdf", "an image-only PDF with an empty page", "no text"))

    # -- Office files -----------------------------------------------------------------------
    bomb = {"[Content_Types].xml": b"<Types/>", "word/document.xml": 1 << 30}  # 1 GiB of zeros, 1 MB zipped
    _zip(add("bomb.docx", "a zip bomb named .docx", "zip bomb"), bomb)
    _zip(
        add("bomb.pptx", "a zip bomb named .pptx", "zip bomb"),
        {"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": 1 << 30},
    )
    _zip(add("many_members.docx", "a zip of 25,000 tiny members", "members"), {f"m{i}": b"" for i in range(25_000)})
    add("random.docx", "random bytes named .docx", "not a valid .docx", os.urandom(8192))
    add("pdf_as.docx", "a PDF named .docx", "not a valid .docx", pdf)
    add("docx_as.pdf", "a DOCX named .pdf", "not a PDF", make_docx(scratch / "d.docx", "Titel", []).read_bytes())
    add("pptx_as.pdf", "a PPTX named .pdf", "not a PDF", make_pptx(scratch / "p.pptx", [("Bild", "Text")]).read_bytes())
    _zip(add("empty_zip.pptx", "a zip without a presentation", "no ppt/presentation.xml"), {"readme.txt": b"hej"})

    # -- sizes ------------------------------------------------------------------------------
    add("empty.txt", "0 bytes", "empty", b"")
    with add("huge.txt", "200 MB (sparse)", "over the").open("wb") as fh:
        fh.truncate(200 << 20)
    with add("huge.pdf", "200 MB named .pdf (sparse)", "over the").open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(200 << 20)

    # -- text that is not text, or barely ---------------------------------------------------
    add("binary.txt", "binary data named .txt", "binary", bytes(range(256)) * 64)
    add("png_as.txt", "a PNG named .txt", "binary", b"\x89PNG\r\n\x1a\n" + os.urandom(4096))
    add("only_spaces.txt", "whitespace only", "no text", b" \n\t\n" * 1000)
    add("only_title.md", "a heading and nothing else", "no text", b"# Bara en rubrik\n")
    mixed = (
        "Rutin för krisstöd efter våld på arbetsplatsen.\n".encode()
        + "Samordnaren ansvarar för uppföljning i nämnden.\n".encode("latin-1")
        + "Stödet kallas \u201dförsta hjälpen\u201d och ges inom två dagar.\n".encode("cp1252")
    ) * 3
    add("mixed_encodings.txt", "UTF-8, Latin-1 and Windows-1252 lines in one file", None, mixed)
    add("cp1252.txt", "Windows-1252 text", None, ("Rutin för hot och våld på arbetsplatsen. " * 8).encode("cp1252"))
    add("bom_utf16.txt", "UTF-16 with a BOM", None, ("Kommunens plan mot våld i skolan. " * 8).encode("utf-16"))
    sentence = "Åtgärd {} i planen kräver samverkan mellan skola och socialtjänst. "
    long_line = "".join(sentence.format(i) for i in range(14_000)).encode()
    add("long_line.txt", "a 1 MB text of 14,000 sentences and no line break", None, long_line)
    add("one_word.txt", "a 2 MB 'word' with no space", None, b"Inledning om trygghet.\n\n" + b"a" * (2 << 20))

    # -- HTML -------------------------------------------------------------------------------
    deep = "<html><body>" + "<div>" * 50_000 + "Djup text om trygghet i skolan." + "</div>" * 50_000
    add("deep.html", "50,000 nested <div>s around one sentence", None, (deep + "</body></html>").encode())
    nested_tables = (
        "<table><tr><td>" * 5_000 + "Tabell över larmrutiner i skolan och förskolan." + "</td></tr></table>" * 5_000
    )
    add("nested_tables.html", "5,000 nested tables", None, f"<html><body>{nested_tables}</body></html>".encode())
    script_only = "<html><head><script>" + "var x = 1;" * 10_000 + "</script></head><body></body></html>"
    add("script_only.html", "a page that is only script", "no text", script_only.encode())
    add("binary.html", "binary data named .html", "binary", os.urandom(2048).replace(b"<", b"") + b"\0")

    # -- names and links --------------------------------------------------------------------
    add("no_suffix", "a file without a suffix", "not read")
    (folder / "no_suffix").write_bytes(b"Text utan filandelse.")
    add("weird name ÅÄÖ %2e%2e ;rm -rf.txt", "a name with spaces, å/ä/ö, escapes and a shell command", None)
    (folder / "weird name ÅÄÖ %2e%2e ;rm -rf.txt").write_text("Rutinen gäller alla förvaltningar i kommunen.\n" * 3)
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    expected.append(HostileFile("loop.txt", "a symbolic link to itself", "symbolic link"))
    outside = scratch / "secret.txt"
    outside.write_text("Utanför mappen: ska aldrig indexeras.", encoding="utf-8")
    (folder / "outside.txt").symlink_to(outside)
    expected.append(HostileFile("outside.txt", "a link to a file outside the folder", "outside the folder"))
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    return expected
