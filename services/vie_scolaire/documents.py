"""The document a family may join to a justification: a PDF or an image
(JPEG, PNG), recognised by its content, not by its name, and at most
MAX_BYTES. Checked with the libraries that read them (pypdf, Pillow): a file
that only starts like a PDF, or an image that does not decode, is refused."""
import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
REFUSED = "Le document doit être un PDF ou une image (JPEG ou PNG)."


class DocumentRefused(ValueError):
    """The French message says why."""


def decode(contenu: str) -> bytes:
    try:
        data = base64.b64decode(contenu, validate=True)
    except (binascii.Error, ValueError):
        raise DocumentRefused("Le document n'a pas pu être lu.") from None
    if len(data) > MAX_BYTES:
        raise DocumentRefused(f"Le document dépasse la taille maximale de {MAX_BYTES // (1024 * 1024)}\u00a0Mo.")
    if not data:
        raise DocumentRefused("Le document est vide.")
    return data


def content_type(data: bytes) -> str:
    """The document's MIME type, from its content; DocumentRefused otherwise."""
    if data.startswith(b"%PDF-"):
        try:
            if len(PdfReader(io.BytesIO(data)).pages) > 0:
                return "application/pdf"
        except (PyPdfError, ValueError, KeyError, TypeError, OSError):
            pass
        raise DocumentRefused("Ce PDF est illisible ou endommagé.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DocumentRefused(REFUSED) from None
    if kind not in IMAGE_TYPES:
        raise DocumentRefused(REFUSED)
    return IMAGE_TYPES[kind]
