"""Putting uploaded articles into the corpus folder safely."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from rag.indexing.corpus import SUPPORTED_SUFFIXES

_UNSAFE = re.compile(r"[^\w.\- ]", re.UNICODE)
_MAX_NAME_BYTES = 200


class UploadError(ValueError):
    """An upload that cannot be accepted; ``code`` says which rule it broke."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def safe_upload_name(name: str) -> str:
    """A plain file name for an upload, or :class:`UploadError`.

    Only the last path component is kept (``../x.txt`` and ``C:\\x.txt`` become ``x.txt``),
    in NFKC form (so full-width look-alikes of ``/`` and ``.`` are folded first), with
    anything but letters, digits, ``.``, ``-``, ``_`` and spaces replaced.
    """
    name = unicodedata.normalize("NFKC", name or "").replace("\x00", "")
    name = re.split(r"[\\/]", name)[-1].strip()
    name = _UNSAFE.sub("_", name)
    if not name or name.startswith(".") or set(name) <= {".", "_", " "}:
        raise UploadError("bad_name", f"unusable file name {name!r}")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(
            "unsupported_type", f"{name}: only {', '.join(sorted(SUPPORTED_SUFFIXES))} files are accepted"
        )
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        raise UploadError("bad_name", f"file name longer than {_MAX_NAME_BYTES} bytes")
    return name


def check_upload(name: str, data: bytes, max_bytes: int) -> str:
    """The safe name of an acceptable upload, or :class:`UploadError`.

    Refuses what the indexer would skip (too large, empty, not UTF-8), so nothing useless
    is stored.
    """
    safe = safe_upload_name(name)
    if len(data) > max_bytes:
        raise UploadError("too_large", f"{safe} is {len(data)} bytes; the limit is {max_bytes}")
    if not data.strip():
        raise UploadError("empty", f"{safe} is empty")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadError("not_utf8", f"{safe} is not UTF-8 text (byte {exc.start})") from exc
    return safe


def save_upload(corpus_dir: Path, name: str, data: bytes, max_bytes: int) -> tuple[str, bool]:
    """Write one upload into ``corpus_dir``; returns (file name, whether anything was written).

    Refuses to overwrite a different file of the same name: nothing is lost.
    """
    safe = check_upload(name, data, max_bytes)
    root = corpus_dir.resolve()
    target = (root / safe).resolve()
    if target.parent != root:  # belt and braces: the name has no separators left
        raise UploadError("bad_name", f"unusable file name {safe!r}")
    if target.exists():
        if target.read_bytes() == data:
            return safe, False
        raise UploadError("exists", f"{safe} already exists with other content; rename the upload")
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        # link, not replace: atomic (the indexer never sees half a file) and it fails
        # if a concurrent upload took the name first, instead of overwriting it.
        os.link(tmp, target)
    except FileExistsError as exc:
        raise UploadError("exists", f"{safe} already exists; rename the upload") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return safe, True
