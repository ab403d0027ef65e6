from __future__ import annotations

import os

import pandas as pd
import pytest

from disputelib.evidence import check_files, sniff

MB = 1_000_000
HEADS = {
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "gif": b"GIF89a\x01\x00\x01\x00",
    "bmp": b"BM" + bytes(12),
    "webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",
    "mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00",
    "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
    "3gp": b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00",
    "avi": b"RIFF\x00\x00\x00\x00AVI LIST",
    "mkv": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska",
    "wmv": b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c",
}


def make(folder, name: str, fmt: str | None, size: int):
    """A file whose first bytes are those of ``fmt``, grown (sparse) to ``size`` bytes."""
    path = folder / name
    head = HEADS[fmt] if fmt else b"just some text, not a picture\n"
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(max(size, len(head)))
    return path


@pytest.mark.parametrize(
    ("name", "fmt", "size", "kind", "ok", "words"),
    [
        ("a.jpg", "jpeg", int(1.9 * MB), "photo", True, "ok: JPEG photo, 1.9 MB of 2 MB"),
        # "photos under 2 MB", "video under 200 MB": strictly under; exactly the limit fails
        ("a.jpeg", "jpeg", 2 * MB - 1, "photo", True, "ok: JPEG photo"),
        ("a.jpeg", "jpeg", 2 * MB, "photo", False, "the photo is 2.0 MB, not under the 2 MB limit (it must be under 2 MB)"),
        ("a.jpeg", "jpeg", 2 * MB + 1, "photo", False, "not under the 2 MB limit"),
        ("a.mp4", "mp4", 200 * MB - 1, "video", True, "ok: MP4 video"),
        ("a.mp4", "mp4", 200 * MB, "video", False, "the video is 200.0 MB, not under the 200 MB limit"),
        ("a.mp4", "mp4", 400 * MB, "video", False, "split it into 3 parts of under 200 MB each"),  # 2 would be 200 MB each
        ("a.png", "png", 50_000, "photo", True, "ok: PNG photo"),
        ("a.gif", "gif", 5_000, "photo", True, "ok"),
        ("a.bmp", "bmp", 5_000, "photo", True, "ok"),
        ("a.webp", "webp", 5_000, "photo", True, "ok"),
        ("a.mp4", "mp4", 150 * MB, "video", True, "ok: MP4 video, 150.0 MB of 200 MB"),
        ("a.mov", "mov", 10 * MB, "video", True, "ok"),
        ("a.mp4", "mov", 10 * MB, "video", True, "ok"),  # same container family
        ("a.3gp", "3gp", 10 * MB, "video", True, "ok"),
        ("a.avi", "avi", 10 * MB, "video", True, "ok"),
        ("a.mkv", "mkv", 10 * MB, "video", True, "ok"),
        ("a.wmv", "wmv", 10 * MB, "video", True, "ok"),
        ("big.jpg", "jpeg", int(2.5 * MB), "photo", False, "the photo is 2.5 MB, 0.5 MB over the 2 MB limit: compress it"),
        ("big.mp4", "mp4", 250 * MB, "video", False, "50.0 MB over the 200 MB limit: trim it"),
        ("huge.mov", "mov", 450 * MB, "video", False, "split it into 3 parts of under 200 MB each"),
        ("fake.jpg", "png", 5_000, "photo", False, "type mismatch: named .jpg but the content is PNG: rename it to .png"),
        ("fake.mp4", "avi", 5_000, "video", False, "type mismatch: named .mp4 but the content is AVI"),
        ("notes.jpg", None, 5_000, "unknown", False, "unknown file type: named .jpg but the content is not a photo or video"),
        ("notes.txt", None, 5_000, "unknown", False, "unknown file type"),
        ("a.heic", "heic", 5_000, "photo", False, "HEIC photos are not accepted: convert it to JPEG"),
    ],
)
def test_each_kind_and_size(tmp_path, name, fmt, size, kind, ok, words):
    path = make(tmp_path, name, fmt, size)
    row = check_files([path]).iloc[0]
    assert (row["kind"], bool(row["ok"])) == (kind, ok)
    assert words in row["message"]
    assert row["size_mb"] == pytest.approx(os.path.getsize(path) / MB, abs=0.001)


def test_legacy_pack_limits_video_to_2_mb_and_refuses_webp(tmp_path):
    video = make(tmp_path, "clip.mp4", "mp4", 3 * MB)
    photo = make(tmp_path, "p.webp", "webp", 5_000)
    result = check_files([video, photo], "aliexpress-legacy")
    assert result["ok"].tolist() == [False, False]
    assert "1.0 MB over the 2 MB limit" in result.loc[0, "message"]
    assert "WEBP photos are not accepted" in result.loc[1, "message"]
    assert check_files([video])["ok"].tolist() == [True]  # fine under the default pack


@pytest.mark.parametrize(
    ("pack_name", "name", "fmt", "size", "ok"),
    [
        ("aliexpress-legacy", "clip.mp4", "mp4", 2 * MB - 1, True),
        ("aliexpress-legacy", "clip.mp4", "mp4", 2 * MB, False),
        ("aliexpress-legacy", "p.png", "png", 2 * MB, False),
        ("aliexpress-2022", "clip.mp4", "mp4", 2 * MB, True),
    ],
)
def test_exactly_the_limit_fails_in_every_pack(tmp_path, pack_name, name, fmt, size, ok):
    row = check_files([make(tmp_path, name, fmt, size)], pack_name).iloc[0]
    assert bool(row["ok"]) is ok
    if not ok:
        assert "(it must be under 2 MB)" in row["message"]


def test_missing_empty_folder_and_no_extension(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    bare = make(tmp_path, "IMG_0001", "jpeg", 10_000)
    result = check_files([tmp_path / "nope.jpg", empty, tmp_path, bare])
    assert list(result.columns) == ["path", "kind", "format", "size_mb", "ok", "message"]
    assert result["kind"].tolist() == ["missing", "unknown", "unknown", "photo"]
    assert result["ok"].tolist() == [False, False, False, True]
    assert result["message"].tolist()[:3] == ["no such file", "the file is empty", "a folder, not a file"]
    assert "name it .jpg" in result.loc[3, "message"]
    assert pd.isna(result.loc[0, "size_mb"])


def test_sniff_tells_webm_from_mkv_and_old_quicktime():
    assert sniff(b"\x1a\x45\xdf\xa3\x01\x42\x82\x84webm") == "webm"
    assert sniff(HEADS["mkv"]) == "mkv"
    assert sniff(b"\x00\x00\x00\x08wide\x00\x00") == "mov"
    assert sniff(b"%PDF-1.7") is None
