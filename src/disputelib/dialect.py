"""Reading text tables as they come out of real tools: any delimiter, encoding, compression.

- The encoding: a UTF-8 or UTF-16 byte-order mark says it; otherwise UTF-8. A file that is
  not valid in the encoding is one sentence suggesting ``--encoding`` and naming the
  encoding charset-normalizer finds most likely, unless it is UTF-8 with a few stray
  bytes (more valid multi-byte characters than broken ones): then it is read as UTF-8,
  the stray bytes become U+FFFD and the columns holding them are recorded
  (``attrs[NOT_UTF8_ATTR]``), so that validation rejects those rows instead of the file.
- The delimiter (``,`` ``;`` tab ``|``): the one that splits the first lines into the same
  number of fields, more than one, from the first 64 KiB; or the one a spreadsheet's
  ``sep=;`` first line names (that line is skipped).
- The decimal mark: a ``,``-delimited file always uses ``.``; another delimiter leaves it
  to each numeric column (``"auto"``: a column holding a comma reads ``1.234,56``).
- A row with more fields than the header is kept, cut to the header's width, and
  recorded with its reason (``attrs[BAD_ROWS_ATTR]``) so that validation rejects it. Clean
  files take pandas' C parser; only a file with such rows is read a second time by the
  ``csv`` module.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import unicodedata
from pathlib import Path

import pandas as pd

from disputelib.intake import BAD_ROWS_ATTR, DECIMAL_ATTR, NOT_UTF8_ATTR
from disputelib.tables import TableError

SEPARATORS: tuple[str, ...] = (",", ";", "\t", "|")
SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_BYTES = 64 * 1024


def _head(path: Path) -> bytes:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            return f.read(SNIFF_BYTES)
    except gzip.BadGzipFile:
        raise TableError(f"cannot read {str(path)!r}: it is not gzip-compressed, as its .gz name says") from None
    except EOFError:
        raise TableError(f"cannot read {str(path)!r}: the gzip file is cut short") from None
    except OSError as exc:
        raise TableError(f"cannot read {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None


def _encoding(head: bytes, given: str | None) -> str:
    """The encoding a file is read with: ``given``, else its byte-order mark's, else UTF-8.

    UTF-16 without a byte-order mark is recognised by its NUL bytes: text a CSV holds has
    none, and ASCII in UTF-16 has one in every other byte.

    >>> _encoding("id,n\\nA,1\\n".encode("utf-16-le"), None), _encoding(b"id,n\\n", None)
    ('utf-16-le', 'utf-8')
    """
    if given:
        try:
            "".encode(given)  # text encodings only: rot13 or base64 name bytes-to-bytes transforms
            return codecs.lookup(given).name
        except LookupError:
            raise TableError(f"unknown encoding {given!r}: use a name such as utf-8, cp1251, euc-kr or latin-1") from None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16's: FF FE starts both
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = head[: len(head) // 2 * 2]
    odd, even = pairs[1::2].count(0), pairs[0::2].count(0)
    if pairs and max(odd, even) * 3 >= len(pairs):  # NULs in one half of the bytes: ASCII as UTF-16
        return "utf-16-le" if odd > even else "utf-16-be"
    return "utf-8"


#: The code pages exports are written in, the most used first: of readings equally
#: plausible, the earlier code page is named.
EXPORT_ENCODINGS: tuple[str, ...] = (
    "cp1251", "cp1252", "cp932", "shift_jis", "cp949", "euc_kr", "gb18030", "big5", "cp1250", "koi8_r", "cp866",
    "cp1254", "cp1253", "cp1257", "cp1255", "cp1256", "cp874", "cp1258", "euc_jp", "koi8_u", "iso8859_5",
    "iso8859_2", "latin_1",
)  # fmt: skip
#: The scripts (first word of a letter's Unicode name) each non-Latin code page writes.
_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5"), frozenset({"CYRILLIC"})),
    "cp1253": frozenset({"GREEK"}),
    "cp1255": frozenset({"HEBREW"}),
    "cp1256": frozenset({"ARABIC"}),
    "cp874": frozenset({"THAI"}),
    **dict.fromkeys(("cp949", "euc_kr"), frozenset({"HANGUL"})),
    **dict.fromkeys(("cp932", "shift_jis", "euc_jp", "gb18030", "big5"), frozenset({"CJK", "HIRAGANA", "KATAKANA"})),
}
_LATIN = frozenset({"LATIN"})
#: Scripts whose words never mix in Latin letters (Chinese, Japanese and Korean product names do: "USB충전기").
_ALPHABETS = frozenset({"CYRILLIC", "GREEK", "HEBREW", "ARABIC", "THAI"})
#: Runs of text between ASCII spaces, digits and punctuation: the words a reading is judged by.
_TOKEN = re.compile(r"[^\x00-\x40\x5b-\x60\x7b-\x7f\s]+")


def _commonness(encoding: str) -> int:
    """Where ``encoding`` stands in :data:`EXPORT_ENCODINGS` (after them all if not there)."""
    return EXPORT_ENCODINGS.index(encoding) if encoding in EXPORT_ENCODINGS else len(EXPORT_ENCODINGS)


def _script(letter: str) -> str:
    name = unicodedata.name(letter, "?")  # half-width katakana count apart: another code page's bytes, mostly
    return name.removeprefix("FULLWIDTH ").split(" ", 1)[0]


def _reads_as_a_word(token: str, encoding: str) -> bool | None:
    """Whether ``token`` (decoded with ``encoding``) reads as a word of that code page's script; None without letters."""
    word = token.strip("".join(c for c in token if unicodedata.category(c).startswith("P")))
    letters = "".join(c for c in word if c.isalpha())
    if not letters:
        return None
    if any(unicodedata.category(c)[0] not in "LMP" and unicodedata.category(c) != "Nd" for c in word):
        return False  # a symbol, ³ or a control character inside a word: bytes of another code page
    scripts = _SCRIPTS.get(encoding, _LATIN)
    if not {_script(c) for c in letters if not c.isascii()} <= scripts:
        return False
    if len(letters) > 1 and not (letters.islower() or letters.isupper() or letters.istitle()) and letters.lower() != letters.upper():
        return False  # "ЛаВкА": no word is written so
    if scripts is _LATIN and len(letters) > 1 and not any(c.isascii() for c in letters):
        return False  # "Ěŕăŕçčí": Latin words hold some plain letters
    if scripts & _ALPHABETS and any(c.isascii() for c in letters) and not letters.isascii():
        return False  # "zamуwienia", "Nฐ": an alphabet's words are not spelt half in Latin
    if encoding == "cp949":
        try:
            word.encode("euc_kr")  # Korean text keeps to the common syllables; other bytes read as rare ones
        except UnicodeEncodeError:
            return False
    return True


def _plausibility(text: str, encoding: str) -> float:
    """The share of the words with non-ASCII letters in ``text`` that read as words of ``encoding``'s script."""
    verdicts = [v for t in _TOKEN.findall(text) if not t.isascii() if (v := _reads_as_a_word(t, encoding)) is not None]
    return sum(verdicts) / len(verdicts) if verdicts else 0.0


def likely_encoding(sample: bytes) -> str | None:
    """The code page ``sample`` is most likely written in, or None.

    A sample that is valid UTF-8 is named so (a file read with another encoding that
    failed). Otherwise charset-normalizer proposes readings in the code pages exports use
    (:data:`EXPORT_ENCODINGS`); they are ranked by the share of their words that read as
    words of the code page's own script (letters only, one case pattern, Latin words with
    some plain letters, Cyrillic, Greek, Hebrew, Arabic or Thai words with none), then by
    charset-normalizer's language coherence, then by how common the code page is (where
    charset-normalizer finds every reading too messy, each code page is tried alike). On a
    few words (a small export, a header), charset-normalizer alone often names a Latin or
    Japanese code page for Cyrillic text, or a Thai one for French. Latin code
    pages are told apart only by charset-normalizer's language statistics: Hungarian or
    Turkish text may be named cp1252.

    Examples
    --------
    >>> likely_encoding("order_id;store\\nA1;Лавка\\n".encode("cp1251"))
    'cp1251'
    >>> likely_encoding("order_id,store\\nA1,좋은 가게\\n".encode("euc_kr"))
    'cp949'
    """
    from charset_normalizer import from_bytes

    if _is_utf8(sample):
        return "utf-8"  # read with another encoding that failed: it is UTF-8 (ASCII included)
    ranked = []
    for match in from_bytes(sample, cp_isolation=list(EXPORT_ENCODINGS)):
        name = min(match.could_be_from_charset or [match.encoding], key=_commonness)
        plausible = -round(_plausibility(str(match), name), 1)
        ranked.append((plausible, -round(match.coherence, 1), _commonness(name), name))
    if not ranked:  # charset-normalizer found every reading too messy (a few words full of accents)
        for order, name in enumerate(EXPORT_ENCODINGS):
            try:
                text = sample.decode(name)
            except UnicodeDecodeError:
                continue
            if (score := _plausibility(text, name)) >= 0.5:
                ranked.append((-round(score, 1), 0, order, name))
    if ranked:
        return min(ranked)[-1]
    best = from_bytes(sample).best()
    return best.encoding if best is not None else None


def _stray_bytes_only(path: Path) -> bool:
    """True for a file that is UTF-8 but for a few stray bytes (more good multi-byte characters than bad ones).

    A file in another encoding (cp1251, EUC-KR, Latin-1) has next to no valid UTF-8
    multi-byte characters, so it is still refused with the likely encoding named; a UTF-8
    export with one byte broken by an older tool is read, and only its broken rows rejected.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    good = len(re.findall(r"[^\x00-\x7f\ufffd]", text))
    return 0 < broken < good


def _whole_lines(data: bytes, lo: int = 0, hi: int | None = None, more: bool = False) -> bytes:
    """``data[lo:hi]`` less the partial line at each end where it is cut (``more``: ``data`` itself goes on).

    A character cut in two would make a multi-byte code page (EUC-KR, Shift-JIS) look impossible.

    >>> _whole_lines(b"ab\\ncd\\nef", 1, 7)
    b'cd\\n'
    >>> _whole_lines(b"ab\\ncd", more=True), _whole_lines(b"abcd", more=True)
    (b'ab\\n', b'abcd')
    """
    hi = len(data) if hi is None else min(hi, len(data))
    lo = max(lo, 0)
    if lo > 0 and (first := data.find(b"\n", lo, hi)) >= 0:
        lo = first + 1
    if (hi < len(data) or more) and (last := data.rfind(b"\n", lo, hi)) >= 0:
        hi = last + 1
    return bytes(data[lo:hi])


def _is_utf8(sample: bytes) -> bool:
    """True for valid UTF-8 (ASCII included): beyond ASCII, text in another code page almost never is.

    >>> _is_utf8("Лавка".encode()), _is_utf8("Лавка".encode("cp1251")), _is_utf8(b"plain")
    (True, False, True)
    """
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class EncodingError(TableError):
    """A file that is not text in the encoding it was read with (or, ``decoded``, reads as
    mojibake in it), and the encoding it looks like.

    The sentence names the command-line option that sets the encoding (``option``):
    :meth:`for_option` gives the same error for a command whose file takes another one.
    """

    def __init__(
        self, path: Path, encoding: str, guess: str | None, option: str = "--encoding", decoded: bool = False
    ) -> None:
        self.path, self.encoding, self.guess, self.option, self.decoded = path, encoding, guess, option, decoded
        name = str(path)
        if decoded:  # every byte decoded, but into mojibake
            text = f"cannot read {name!r} as {encoding} text: it is UTF-8 (its letters would read as mojibake): read it with {option} utf-8"
        elif guess and guess != encoding:
            text = f"cannot read {name!r}: it is not {encoding} text; it looks like {guess}: try {option} {guess}"
        else:
            text = f"cannot read {name!r}: it is not {encoding} text; give its encoding with {option}"
        super().__init__(f"{text} (encoding= in Python)")

    def __reduce__(self) -> tuple:  # pickled as its parts (a Dask worker sends it back to the client)
        return EncodingError, (self.path, self.encoding, self.guess, self.option, self.decoded)

    def for_option(self, option: str) -> EncodingError:
        """The same error, naming ``option`` as the one to set."""
        return EncodingError(self.path, self.encoding, self.guess, option, self.decoded)


def _undecodable(path: Path, encoding: str, sample: bytes) -> EncodingError:
    return EncodingError(path, encoding, likely_encoding(sample))


def sniff_separator(text: str) -> str:
    """The delimiter that splits the first lines of ``text`` most consistently.

    Examples
    --------
    >>> sniff_separator("a;b;c\\n1,5;2;3\\n")
    ';'
    """
    lines = text.splitlines()[:50]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut short
    best, best_score = ",", (0, 0, 0)
    for rank, sep in enumerate(SEPARATORS):
        try:
            rows = list(csv.reader(lines, delimiter=sep))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        same = sum(len(r) == width for r in rows[1:] if r)
        score = (same, width, -rank)
        if score > best_score:
            best, best_score = sep, score
    return best


def read_csv(
    path: Path, sep: str | None = None, decimal: str | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Read a CSV (or ``.csv.gz``) file with every column as text.

    Parameters
    ----------
    path
        The file.
    sep
        The delimiter; sniffed when None.
    decimal
        ``"."`` or ``","``; when None, ``"."`` for a comma-delimited file and ``"auto"``
        (decided per numeric column) for any other.
    encoding
        Any Python codec name; when None, from the byte-order mark, else UTF-8.

    Returns
    -------
    pandas.DataFrame
        Text columns; ``attrs`` holds the decimal mark and the rows cut short.
    """
    head = _head(path)
    enc = _encoding(head, encoding)
    try:
        return _read(path, head, enc, sep, decimal, "strict")
    except EncodingError:
        # UTF-8 with a few broken bytes: reject those rows, not the file (looked at only on failure)
        if encoding is None and enc == "utf-8" and _stray_bytes_only(path):
            return _read(path, head, enc, sep, decimal, "replace")
        raise


def _read(path: Path, head: bytes, enc: str, sep: str | None, decimal: str | None, errors: str) -> pd.DataFrame:
    """:func:`read_csv` with a known encoding and ``errors`` (``"strict"`` or ``"replace"``)."""
    lines = _whole_lines(head, more=len(head) >= SNIFF_BYTES)
    try:
        sample = codecs.getincrementaldecoder(enc)(errors).decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        raise _undecodable(path, enc, lines) from None
    if not enc.startswith("utf") and not lines.isascii() and _is_utf8(lines):
        raise EncodingError(path, enc, "utf-8", decoded=True)
    sample = sample.lstrip("\ufeff")
    hint = re.match(r"sep=(.)[ \t]*\r?\n", sample)  # a spreadsheet's "sep=;" first line
    skip = 1 if hint else 0
    if sep is None:
        sep = hint.group(1) if hint else sniff_separator(sample)
    if decimal is None:
        decimal = "." if sep == "," else "auto"
    elif decimal == "," and sep == ",":
        raise TableError("a decimal comma (--decimal , or decimal=\",\") needs another delimiter than a comma: give --sep ';' (sep= in Python; or tab or '|')")
    bad: dict[int, str] = {}
    try:
        frame = pd.read_csv(
            path, sep=sep, dtype=str, keep_default_na=False, na_filter=False, encoding=enc, engine="c", skiprows=skip,
            encoding_errors=errors,
        )  # fmt: skip
    except UnicodeDecodeError as exc:
        raise _undecodable(path, enc, _whole_lines(exc.object, exc.start - 4096, exc.start + 4096)) from None
    except pd.errors.EmptyDataError:
        raise TableError(f"cannot read {str(path)!r}: the file is empty") from None
    except pd.errors.ParserError as exc:
        if "Expected" not in str(exc):
            raise TableError(f"cannot read {str(path)!r} as CSV: {str(exc).splitlines()[0]}") from None
        frame, bad = _read_ragged_text(path, sep, enc, skip, errors)
    else:
        if not isinstance(frame.index, pd.RangeIndex):
            # The first data row has more fields than the header: pandas then reads the extra leading
            # fields of every row as an index and raises nothing. Such rows are rejects too.
            frame, bad = _read_ragged_text(path, sep, enc, skip, errors)
    if errors == "replace":
        frame.attrs[NOT_UTF8_ATTR] = [c for c in frame.columns if frame[c].str.contains("\ufffd", regex=False).any()]
    frame.attrs[DECIMAL_ATTR] = decimal
    frame.attrs[BAD_ROWS_ATTR] = bad
    return frame


def _read_ragged_text(path: Path, sep: str, enc: str, skip: int, errors: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """:func:`_read_ragged`, a file that is not text in ``enc`` being one sentence."""
    try:
        return _read_ragged(path, sep, enc, skip, errors)
    except UnicodeDecodeError as exc:
        raise _undecodable(path, enc, _whole_lines(exc.object, exc.start - 4096, exc.start + 4096)) from None


def _read_ragged(
    path: Path, sep: str, encoding: str, skip: int = 0, errors: str = "strict"
) -> tuple[pd.DataFrame, dict[int, str]]:
    """Read a file whose rows do not all have the header's width, row by row."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, errors=errors, newline="") as f:
        for _ in range(skip):
            f.readline()
        rows = [row for row in csv.reader(f, delimiter=sep) if row]
    header, body = _unique(rows[0]), rows[1:]
    width = len(header)
    bad: dict[int, str] = {}
    for i, row in enumerate(body):
        if len(row) > width:
            bad[i] = (
                f"the row has {len(row)} fields, the header {width} "
                f"(a {SEP_NAMES.get(sep, repr(sep))} inside a value that is not quoted?)"
            )
            body[i] = row[:width]
        elif len(row) < width:
            body[i] = row + [""] * (width - len(row))
    return pd.DataFrame(body, columns=header, dtype=str), bad


def _unique(header: list[str]) -> list[str]:
    """Repeated header names made distinct the way pandas does (``a``, ``a.1``)."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out
