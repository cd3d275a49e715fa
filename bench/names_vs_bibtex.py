"""Our BibTeX name splits against real BibTeX 0.99d, name by name (issue 15's oracle).

    python bench/names_vs_bibtex.py [--show N] [PATH ...]

PATH is a .bib file or a folder searched for .bib files; without one, every .bib under
../shared/corpus. Each file is run through `bibtex` with a small style of our own that writes,
for every name of every name-list field (author, editor, translator, ...), BibTeX's own
First / von / Last / Jr parts (format.name$ with "{ff}", "{vv}", "{ll}", "{jj}"). The same file
is read with our reader, and each creator is compared with BibTeX's parts, decoded to text the
way our reader decodes them. Prints names compared, agreed and the percentage, then the
differing names grouped by cause; every cause but "unexplained" is a known, documented reason
(see docs in bibliofile.formats.bibtex_names). Needs `bibtex` on PATH (Debian: texlive-binaries).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bibliofile.formats.bibtex_names import split_names
from bibliofile.formats.bibtex_reader import ROLE_FIELDS, evaluate_value, read_bibtex_file
from bibliofile.formats.latex_text import latex_to_unicode
from bibliofile.model.blocks import PassthroughBlock
from bibliofile.model.creators import Creator
from bibliofile.model.reference import Reference

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NAME_FIELDS = tuple(ROLE_FIELDS)
# BibTeX's own parts of one name, as it writes them: (first, von, last, jr), still LaTeX.
Parts = tuple[str, str, str, str]
PART_PREFIXES = ("f:", "v:", "l:", "j:")
# A name as compared: (given, particle, family, suffix, others), decoded text; an institution
# (our literal) is BibTeX's Last alone.
Split = tuple[str, str, str, str, bool]

# Why a name may split differently, best explanation first. Only "unexplained" is a bug.
CAUSES = {
    "unicode-case": (
        "a word starts with a non-ASCII letter (É, Ł, Ø, ...): 8-bit BibTeX skips its bytes and "
        "takes the case of the next ASCII letter ('Élise' reads as lower-case, so von); we use "
        "the letter's own Unicode case"
    ),
    "unicode-space": (
        "a Unicode space (no-break space U+00A0, thin space, ...) between words: BibTeX sees "
        "letters and keeps the words as one token; we split there as at a space or ~"
    ),
    "accent-outside-braces": (
        "an accent command outside braces (\\v{Z}, \\~n, \\'E): BibTeX takes the command's "
        "letter for the case (\\v is lower-case) or splits at the ~; we read the accented "
        "letter, as LaTeX prints it"
    ),
    "too-many-commas": (
        "more than two commas: BibTeX warns and joins the words after the third comma with "
        "whatever separator an earlier name left in its buffer (a stale '-' or space); we use a space"
    ),
    "text-decoding": (
        "the split agrees; only the LaTeX-to-text decoding of a part differs (e.g. \\\\ in a "
        "value, which is a line break to LaTeX)"
    ),
    "name-count": "BibTeX and our reader found a different number of names in the field",
    "unexplained": "none of the above: a bug in our splitting",
}


def bst_text(fields: Iterable[str] = NAME_FIELDS) -> str:
    """A style that writes every name of the given fields, one BibTeX part per line."""
    calls = "\n  ".join(f'"{f}" {f} names.of' for f in fields)
    return f"""ENTRY {{ {' '.join(fields)} }} {{}} {{}}
INTEGERS {{ n i }}
STRINGS {{ s f }}
FUNCTION {{names.of}}
{{ duplicate$ empty$
    {{ pop$ pop$ }}
    {{ 's :=
      'f :=
      s num.names$ 'n :=
      "F " f * write$ newline$
      #1 'i :=
      {{ i n #1 + < }}
      {{ "f:" s i "{{ff}}" format.name$ * write$ newline$
        "v:" s i "{{vv}}" format.name$ * write$ newline$
        "l:" s i "{{ll}}" format.name$ * write$ newline$
        "j:" s i "{{jj}}" format.name$ * write$ newline$
        i #1 + 'i :=
      }}
      while$
    }}
  if$
}}
FUNCTION {{entry.out}}
{{ "E " cite$ * write$ newline$
  {calls}
}}
FUNCTION {{default.type}} {{ }}
READ
ITERATE {{entry.out}}
"""


def parse_bbl(text: str) -> dict[str, dict[str, list[Parts]]]:
    """Citation key (lower case) -> field -> names, from the .bbl our style wrote.

    BibTeX breaks output lines longer than 79 characters at a space and indents the rest by
    two spaces; field values hold single spaces only, so joining with one space is exact.
    """
    lines: list[str] = []
    for line in text.split("\n"):
        if line.startswith("  ") and lines:
            lines[-1] += " " + line[2:]
        elif line:
            lines.append(line)
    out: dict[str, dict[str, list[Parts]]] = {}
    fields: dict[str, list[Parts]] = {}
    names: list[Parts] = []
    parts: list[str] = []
    for line in lines:
        if line.startswith("E "):
            fields = out.setdefault(line[2:].lower(), {})
        elif line.startswith("F "):
            names = fields.setdefault(line[2:], [])
        elif line[:2] in PART_PREFIXES:
            parts.append(line[2:])
            if len(parts) == 4:
                names.append((parts[0], parts[1], parts[2], parts[3]))
                parts = []
    return out


def run_bibtex(bib: Path, encoding: str, work: Path) -> dict[str, dict[str, list[Parts]]]:
    """BibTeX's names for every entry of ``bib`` (RuntimeError when bibtex writes no .bbl)."""
    for old in work.iterdir():
        old.unlink()
    (work / "in.bib").symlink_to(bib.resolve())
    (work / "names.bst").write_text(bst_text(), encoding="ascii")
    (work / "in.aux").write_text("\\citation{*}\n\\bibdata{in}\n\\bibstyle{names}\n", encoding="ascii")
    # max_strings: BibTeX's string pool (and hash) is 4,000 by default, too few for a large file.
    env = {**os.environ, "BIBINPUTS": str(work), "BSTINPUTS": str(work), "max_strings": "1000000"}
    subprocess.run(
        ["bibtex", "-terse", "in"], cwd=work, env=env, capture_output=True, timeout=300, check=False
    )
    bbl = work / "in.bbl"
    blg = work / "in.blg"
    log = blg.read_text(encoding="latin-1") if blg.exists() else ""
    if not bbl.exists() or "fatal error" in log:
        sorry = next((line for line in log.splitlines() if line.startswith(("Sorry", "I couldn't"))), "")
        raise RuntimeError(f"bibtex stopped: {sorry or 'no .bbl written'}")
    codec = "utf-8" if encoding in ("utf-8-sig", "utf-16") or encoding.startswith("utf-16") else encoding
    return parse_bbl(bbl.read_bytes().decode(codec, errors="replace"))


_TIE_RE = re.compile(r"(?<!\\)~")


def decode_part(part: str) -> str:
    """BibTeX's part as our reader would hold it: ties it put between words read as spaces."""
    if "~" in part and "{" in part:
        out: list[str] = []
        depth = 0
        for i, c in enumerate(part):
            depth += c == "{"
            depth -= c == "}"
            out.append(" " if c == "~" and depth == 0 and (i == 0 or part[i - 1] != "\\") else c)
        part = "".join(out)
    elif "~" in part:
        part = _TIE_RE.sub(" ", part)
    return " ".join(latex_to_unicode(part).split())


def expected_creator(parts: Parts) -> Split:
    """(given, particle, family, suffix, others) that BibTeX's parts stand for."""
    first, von, last, jr = (decode_part(p) for p in parts)
    if not first and not von and not jr and last.lower() == "others":
        return "", "", "", "", True
    return first, von, last, jr, False


def actual_creator(c: Creator) -> Split:
    """Our creator in the same shape; a literal (institution) is BibTeX's Last alone."""
    if c.literal:
        return "", "", " ".join(c.literal.split()), "", False
    norm = (" ".join(x.split()) for x in (c.given, c.particle, c.family, c.suffix))
    g, p, f, s = norm
    return g, p, f, s, c.others


_ACCENT_OUTSIDE_RE = re.compile(r"\\[`'^\"~=.]|\\[cvuHkrdb](?![A-Za-z])")


def _depth0(name: str) -> str:
    """The name with brace groups emptied ("{}"): what BibTeX reads at brace depth 0."""
    out: list[str] = []
    depth = 0
    for c in name:
        if c == "{":
            depth += 1
            if depth == 1:
                out.append(c)
        elif c == "}":
            depth -= 1
            if depth == 0:
                out.append(c)
        elif depth == 0:
            out.append(c)
    return "".join(out)


def _letters(part: str) -> str:
    """A part's letters and digits without accents: what survives any decoding difference."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", part) if ch.isalnum())


def cause_of(raw_name: str, want: Split, got: Split) -> str:
    """Which documented difference explains a disagreement on this name (raw LaTeX)."""
    top = _depth0(raw_name)
    if top.count(",") > 2:
        return "too-many-commas"
    if all(_letters(w) == _letters(g) for w, g in zip(want[:4], got[:4], strict=True)) and want[4] == got[4]:
        return "text-decoding"
    if _ACCENT_OUTSIDE_RE.search(top):
        return "accent-outside-braces"
    for word in re.split(r"[\s~,-]+", top):
        cased = next((ch for ch in word if ch.lower() != ch.upper()), "")
        if cased and not cased.isascii():
            return "unicode-case"
    if any(ch.isspace() and ch not in " \t\n\r" for ch in raw_name):
        return "unicode-space"
    return "unexplained"


@dataclass
class Tally:
    """Names compared and agreed, and the differences by cause."""

    compared: int = 0
    agreed: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    differences: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    entries_not_compared: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def percent(self) -> float:
        return 100.0 * self.agreed / self.compared if self.compared else 100.0


def _fmt(t: Split) -> str:
    if t[4]:
        return "others"
    return " | ".join(t[:4])


_STRING_RE = re.compile(r"@\s*string\s*[{(]\s*([^\s=,{}]+)\s*=\s*(.*?)\s*[})]\s*$", re.IGNORECASE | re.DOTALL)


def compare_file(bib: Path, work: Path, tally: Tally) -> None:
    """Add one file's names to ``tally``."""
    try:
        result = read_bibtex_file(bib)
    except Exception as exc:  # a file our reader refuses is not a name comparison
        tally.skipped.append(f"{bib}: our reader refused it ({exc})")
        return
    try:
        oracle = run_bibtex(bib, result.encoding, work)
    except (RuntimeError, subprocess.TimeoutExpired, LookupError) as exc:
        tally.skipped.append(f"{bib}: {exc}")
        return
    tally.files += 1
    macros: dict[str, str] = {}  # the file's @string values, to show each name as BibTeX read it
    for item in result.items:
        m = _STRING_RE.match(item.text) if isinstance(item, PassthroughBlock) else None
        if m is not None:
            macros[m.group(1).lower()] = evaluate_value(m.group(2), macros)
    seen: set[str] = set()
    for ref in (r for r in result.items if isinstance(r, Reference)):
        key = ref.citation_key.lower()
        if ref.source is None:
            continue
        name_fields = [(n.lower(), raw) for n, raw in ref.source.raw_fields if n.lower() in ROLE_FIELDS]
        if not name_fields:
            continue
        if key in seen:  # BibTeX keeps only the first entry of a repeated key; we keep both
            tally.entries_not_compared["a later entry with a repeated citation key"] += 1
        elif key not in oracle:
            tally.entries_not_compared["bibtex skipped the entry (syntax it rejects)"] += 1
        elif len({n for n, _ in name_fields}) != len(name_fields):  # BibTeX reads the first
            tally.entries_not_compared["a name field repeated in the entry"] += 1
        else:
            _compare_entry(bib, ref, name_fields, oracle[key], macros, tally)
        seen.add(key)


def _compare_entry(
    bib: Path,
    ref: Reference,
    name_fields: list[tuple[str, str]],
    oracle: dict[str, list[Parts]],
    macros: dict[str, str],
    tally: Tally,
) -> None:
    """Compare one entry's name fields with BibTeX's names for them."""
    for fname, raw in name_fields:
        ours = [c for c in ref.creators if c.role == ROLE_FIELDS[fname]]
        theirs = oracle.get(fname, [])
        if not theirs and not ours:
            continue
        raw_names = split_names(evaluate_value(raw, macros))
        if len(theirs) != len(ours):
            tally.compared += len(theirs)
            tally.differences["name-count"].append(
                f"{bib.name} {ref.citation_key} {fname}: bibtex {len(theirs)} names, ours {len(ours)}"
            )
            continue
        for i, (parts, c) in enumerate(zip(theirs, ours, strict=True)):
            tally.compared += 1
            want, got = expected_creator(parts), actual_creator(c)
            if want == got:
                tally.agreed += 1
                continue
            raw_name = raw_names[i] if len(raw_names) == len(theirs) else raw
            tally.differences[cause_of(raw_name, want, got)].append(
                f"{bib.name} {ref.citation_key}: {raw_name!r}\n"
                f"      bibtex: {_fmt(want)}\n      ours:   {_fmt(got)}"
            )


def bib_files(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*.bib") if q.is_file())
        elif p.is_file():
            yield p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("paths", nargs="*", type=Path, help=".bib files or folders (default: the shared corpus)")
    ap.add_argument("--show", type=int, default=10, help="differing names listed per cause (default 10)")
    args = ap.parse_args(argv)
    if shutil.which("bibtex") is None:
        print("names_vs_bibtex: `bibtex` is not on PATH (Debian: apt install texlive-binaries)", file=sys.stderr)
        return 2
    paths: list[Path] = args.paths or [CORPUS]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"names_vs_bibtex: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    logging.disable(logging.CRITICAL)  # the parser's own syntax messages are not the subject here
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="names-vs-bibtex-") as tmp:
        for bib in bib_files(paths):
            compare_file(bib, Path(tmp), tally)
    print(f"files: {tally.files} compared, {len(tally.skipped)} skipped")
    for s in tally.skipped:
        print(f"  skipped {s}")
    print(f"names compared: {tally.compared}")
    print(f"agreed:         {tally.agreed}")
    print(f"agreement:      {tally.percent:.2f} %")
    for why, count in sorted(tally.entries_not_compared.items()):
        print(f"entries with names not compared: {count} ({why})")
    for cause, text in CAUSES.items():
        diffs = tally.differences.get(cause, [])
        if not diffs:
            continue
        print(f"\n{cause}: {len(diffs)} names. {text}")
        for d in diffs[: args.show]:
            print(f"  {d}")
        if len(diffs) > args.show:
            print(f"  ... and {len(diffs) - args.show} more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
