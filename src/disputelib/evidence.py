"""Evidence files: are these photos and videos fit to upload under a pack's limits?

Each file is recognised twice, by its extension and by its first bytes (JPEG, PNG, GIF,
BMP, WEBP, TIFF, HEIC, MP4 / MOV / 3GP, AVI, MKV / WebM, WMV), and must agree. Sizes are
in decimal megabytes (1 MB = 1,000,000 bytes), the stricter reading of the platform's
"2 MB", so a file passed here is not refused for a few kilobytes. The limits are strict,
as the rules say "under 2 MB" and "under 200 MB": a file of exactly the limit fails.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from disputelib.policy import Pack, load_dispute_pack

MB = 1_000_000
_HEAD = 64

#: Extension -> format.
EXTENSIONS: dict[str, str] = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "png": "png",
    "gif": "gif",
    "bmp": "bmp",
    "webp": "webp",
    "tif": "tiff",
    "tiff": "tiff",
    "heic": "heic",
    "heif": "heic",
    "mp4": "mp4",
    "m4v": "mp4",
    "mov": "mov",
    "qt": "mov",
    "3gp": "3gp",
    "3g2": "3gp",
    "avi": "avi",
    "mkv": "mkv",
    "webm": "webm",
    "wmv": "wmv",
    "asf": "wmv",
}
PHOTO_FORMATS = frozenset({"jpeg", "png", "gif", "bmp", "webp", "tiff", "heic"})
VIDEO_FORMATS = frozenset({"mp4", "mov", "3gp", "avi", "mkv", "webm", "wmv"})
#: Formats that share a container; a file of one named as another is not a mismatch.
_FAMILY = {"mp4": "isobmff", "mov": "isobmff", "3gp": "isobmff", "mkv": "ebml", "webm": "ebml"}

COLUMNS: tuple[str, ...] = ("path", "kind", "format", "size_mb", "ok", "message")


def sniff(head: bytes) -> str | None:
    """The format of a file from its first bytes, or None when not a known photo or video.

    Examples
    --------
    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8))
    'png'
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM") and len(head) >= 14:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": "webp", b"AVI ": "avi"}.get(head[8:12])
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head else "mkv"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "wmv"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif"):
            return "heic"
        if brand == b"qt  ":
            return "mov"
        if brand.startswith((b"3gp", b"3g2")):
            return "3gp"
        return "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "mov"
    return None


def _kind(fmt: str | None) -> str:
    if fmt in PHOTO_FORMATS:
        return "photo"
    if fmt in VIDEO_FORMATS:
        return "video"
    return "unknown"


def _advice(kind: str, size: int, limit: float) -> str:
    """What to do about a file of ``size`` bytes that is not under ``limit`` MB."""
    over = (size - limit * MB) / MB
    if over >= 0.05:
        head = f"the {kind} is {size / MB:.1f} MB, {over:.1f} MB over the {limit:g} MB limit: "
    else:  # at the limit, or over it by less than the rounding shows
        head = f"the {kind} is {size / MB:.1f} MB, not under the {limit:g} MB limit (it must be under {limit:g} MB): "
    if kind == "photo":
        return head + "compress it (save it as JPEG at a lower quality or a smaller size)"
    parts = size // int(limit * MB) + 1  # the fewest equal parts each strictly under the limit
    return head + (
        f"trim it to the part that shows the problem, lower its resolution, "
        f"or split it into {int(parts)} parts of under {limit:g} MB each"
    )


def check_file(path: str | os.PathLike, pack: Pack | str | None = None) -> dict:
    """Check one file; a row of :func:`check_files` as a dict."""
    pack = load_dispute_pack(pack)
    ev = pack.evidence
    path = Path(path)
    row = {"path": str(path), "kind": "unknown", "format": None, "size_mb": float("nan"), "ok": False}
    try:
        info = path.stat()
    except FileNotFoundError:
        return {**row, "kind": "missing", "message": "no such file"}
    except OSError as exc:
        return {**row, "message": f"cannot read the file: {exc.strerror or exc}"}
    if stat.S_ISDIR(info.st_mode):
        return {**row, "message": "a folder, not a file"}
    if not stat.S_ISREG(info.st_mode):  # opening a FIFO would wait for a writer forever
        what = "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        return {**row, "message": f"{what}, not a file: save the photo or video as a file first"}
    try:
        size = info.st_size
        # O_NONBLOCK: should the path turn into a FIFO after the check, opening it cannot hang
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        return {**row, "message": f"cannot read the file: {exc.strerror or exc}"}
    row["size_mb"] = round(size / MB, 3)
    if size == 0:
        return {**row, "message": "the file is empty"}
    ext = path.suffix.lower().lstrip(".")
    named = EXTENSIONS.get(ext)
    found = sniff(head)
    allowed = sorted(ev.photo_types | ev.video_types)
    if found is None:
        what = f"named .{ext} but " if named else ""
        return {**row, "message": f"unknown file type: {what}the content is not a photo or video this checker knows "
                f"(allowed: {', '.join(allowed)})"}  # fmt: skip
    kind = _kind(found)
    row.update(kind=kind, format=found)
    if named is not None and named != found and (_FAMILY.get(named) is None or _FAMILY.get(named) != _FAMILY.get(found)):
        better = next((e for e, f in EXTENSIONS.items() if f == found), found)
        return {**row, "message": f"type mismatch: named .{ext} but the content is {found.upper()}: "
                f"rename it to .{better} (or export it again as .{ext})"}  # fmt: skip
    types = ev.photo_types if kind == "photo" else ev.video_types
    label = ext if named is not None else next((e for e, f in EXTENSIONS.items() if f == found), found)
    if label not in types and found not in {EXTENSIONS.get(t, t) for t in types}:
        target = "JPEG" if kind == "photo" else "MP4"
        return {**row, "message": f"{found.upper()} {kind}s are not accepted: convert it to {target} "
                f"(accepted {kind}s: {', '.join(sorted(types))})"}  # fmt: skip
    limit = ev.photo_max_mb if kind == "photo" else ev.video_max_mb
    if size >= limit * MB:
        return {**row, "message": _advice(kind, size, limit)}
    note = "" if named is not None else f" (no extension: name it .{label})"
    return {**row, "ok": True, "message": f"ok: {found.upper()} {kind}, {size / MB:.1f} MB of {limit:g} MB{note}"}


def check_files(paths: Iterable[str | os.PathLike], pack: Pack | str | None = None) -> pd.DataFrame:
    """Check evidence files on disk before a buyer uploads them.

    Parameters
    ----------
    paths
        File paths.
    pack
        Rule pack name, path or object (its ``[evidence]`` limits and types); the default
        pack when None.

    Returns
    -------
    pandas.DataFrame
        One row per path, in order: ``path``; ``kind`` (``photo``, ``video``, ``unknown``
        or ``missing``); ``format`` (from the content, e.g. ``jpeg``, ``mp4``); ``size_mb``
        (decimal MB); ``ok`` (bool); ``message`` (what is wrong and what to do, or ``ok: ...``).

    Examples
    --------
    >>> check_files(["no-such-file.jpg"])[["kind", "message"]].iloc[0].tolist()
    ['missing', 'no such file']
    """
    pack = load_dispute_pack(pack)
    rows = [check_file(p, pack) for p in paths]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"path": "string", "kind": "string", "format": "string", "size_mb": "float64",
                         "ok": "bool", "message": "string"})  # fmt: skip
