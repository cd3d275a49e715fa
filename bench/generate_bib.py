"""A realistic synthetic BibTeX library, deterministic by seed, for the benchmarks.

Real .bib files are messy in ways that cost a parser time: @string macros joined with ``#``,
month macros, LaTeX accents and brace-protected words, particles and suffixes in names,
institutional authors, long abstracts, unknown fields, crossref children whose @proceedings
parent comes later, and @string/@preamble/@comment blocks between entries. This file has all of
them, so the import and export figures mean something for a researcher's own file.

    python bench/generate_bib.py N OUT.bib [--seed S]

``N`` counts every entry (``@article``, ..., ``@proceedings``), not the @string/@preamble/@comment
blocks, so an import of the file should store exactly ``N`` references.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# Real title vocabulary (so search queries look like a researcher's), plus a synthetic long tail.
TITLE_WORDS = """
political inertia institutional change evidence from panel data analysis of the effects
measurement model estimation bayesian inference neural network learning deep representation
climate adaptation policy governance water resources management urban regional development
economic growth inequality labour market migration health outcomes mortality cohort study
randomized controlled trial treatment effect heterogeneity causal identification instrumental
variables quantum entanglement thermodynamics superconductivity lattice dynamics phonon
spectroscopy protein folding molecular simulation genome sequencing transcription regulation
cellular signalling pathways immune response vaccine efficacy epidemiology transmission
networks graph algorithms optimization convex stochastic gradient descent convergence bounds
complexity approximation distributed systems consensus fault tolerance storage databases
query processing indexing compression retrieval language models translation parsing semantics
syntax morphology phonology discourse pragmatics corpus linguistics historical perspective
medieval manuscripts archival sources colonial empire revolution nationalism memory identity
gender religion secularization democracy elections voting behaviour public opinion media
communication social movements protest state capacity corruption taxation fiscal federalism
monetary policy inflation expectations central banking financial crises credit risk asset
pricing volatility forecasting time series nonparametric regression robust estimators
sampling survey design missing data imputation reproducibility open science replication
ecology biodiversity conservation species distribution forest fire dynamics ocean carbon
sequestration soil nitrogen agriculture crop yields food security drought resilience
materials synthesis catalysis electrochemistry battery performance solar cells perovskite
thin films semiconductor devices photonic crystals optical metamaterials plasma turbulence
fluid mechanics boundary layer combustion aerodynamic control robotics perception planning
navigation autonomous vehicles human computer interaction usability accessibility education
learning outcomes teachers classroom assessment curriculum reform early childhood cognitive
development attention working memory perception emotion regulation anxiety depression
psychotherapy intervention adolescents ageing dementia neuroimaging cortical plasticity
synaptic transmission receptor binding drug discovery pharmacokinetics toxicity clinical
guidelines primary care hospital readmission costs insurance reform welfare poverty
households consumption savings pensions firms productivity innovation patents trade tariffs
supply chains logistics energy transition renewable electricity grid storage hydrogen
emissions trading carbon pricing environmental justice cities housing segregation
transportation infrastructure mobility tourism heritage architecture design theory practice
framework review survey towards understanding revisiting rethinking beyond new approach
comparative longitudinal experimental computational theoretical empirical qualitative
""".split()  # noqa: SIM905

LONG_TAIL_SYLLABLES = "ka tro vi len mor sa phi gel dun bra cos ter ix ol ump zen vak qui nor bel".split()  # noqa: SIM905

FAMILIES = [
    "Smith", "Johnson", "Nguyen", "Garc{\\'\\i}a", "M{\\\"u}ller", "Schmidt", "Rossi", "Kowalski",
    "Novak", "Tanaka", "Suzuki", "Kim", "Park", "Chen", "Wang", "Li", "Zhang", "Singh", "Patel",
    "Okafor", "Mensah", "Silva", "Santos", "Pereira", "Dubois", "Lef{\\`e}vre", "Fran{\\c{c}}ois",
    "Dvo{\\v{r}}{\\'a}k", "Ko{\\v{s}}i{\\'c}", "Jovanovi{\\'c}", "Sch{\\\"o}nberg", "{\\O}rsted",
    "Andersson", "Lindqvist", "Virtanen", "O'Brien", "MacDonald", "Fischer", "Weber", "Becker",
    "Ivanova", "Petrov", "Horv{\\'a}th", "Nagy", "Yilmaz", "{\\c{S}}ahin", "Haddad", "Cohen",
    "Levi", "Brown", "Taylor", "Wilson", "Moore", "Clark", "Lewis", "Walker", "Hall", "Young",
    "Müller", "Ólafsson", "Çelik", "Wójcik", "Łukasik", "Ångström",
]
GIVENS = [
    "John", "Mary", "Anna", "Peter", "Jos{\\'e}", "Ren{\\'e}e", "Fran{\\c{c}}oise", "J{\\\"o}rg",
    "Wei", "Yuki", "Min-jun", "Priya", "Chidi", "Ama", "Lucas", "Sofia", "Mateo", "Elena", "Ivan",
    "Olga", "Ahmed", "Fatima", "David", "Sarah", "Michael", "Laura", "Thomas", "Emma", "J.",
    "A. B.", "M.-L.", "Jean-Pierre", "Zo{\\\"e}", "Bj{\\\"o}rn", "S{\\o}ren", "Ji{\\v{r}}{\\'\\i}",
    "Ingrid", "Kwame", "Hiroshi", "Mei", "Raj", "Noor", "Hélène", "Søren", "Dóra",
]
PARTICLES = ["van der", "van", "de", "de la", "von", "da", "van den", "di", "le"]
INSTITUTIONS = [
    "{World Health Organization}",
    "{Intergovernmental Panel on Climate Change}",
    "{European Commission}",
    "{OECD}",
    "{National Academies of Sciences, Engineering, and Medicine}",
    "{The {LIGO} Scientific Collaboration}",
    "{United Nations Development Programme}",
]
PROTECTED = ["{DNA}", "{RNA}", "{COVID-19}", "{GDP}", "{Bayesian}", "{Markov}", "{Fourier}",
             "{B}rownian", "{E}uropean", "{A}frica", "{L}atin {A}merica", "{U.S.}", "{NMR}",
             "{CO$_2$}", "{$\\alpha$}-helix", "{GPU}", "{SQL}", "{BibTeX}", "{R}iemann"]
ACCENTED = ["{\\\"o}konomie", "caf{\\'e}", "na{\\\"\\i}ve", "r{\\'e}sum{\\'e}", "fa{\\c{c}}ade",
            "{\\v{S}}koda", "G{\\\"o}del", "Poincar{\\'e}", "Erd{\\H{o}}s", "{\\AA}ngstr{\\\"o}m",
            "\\'etude", "\\c{c}a", "Schr\\\"odinger", "{\\v{s}}tudie", "Über", "élite", "naïve"]

JOURNAL_MACROS = {
    "jnl_prefix": "Physical Review",
    "jnl_jasa": "Journal of the American Statistical Association",
    "jnl_apsr": "American Political Science Review",
    "jnl_nature": "Nature",
    "jnl_plos": "PLOS ONE",
    "jnl_tods": "ACM Transactions on Database Systems",
    "jnl_lancet": "The Lancet",
    "jnl_econ": "Econometrica",
    "jnl_jfe": "Journal of Financial Economics",
    "jnl_ecol": "Ecology Letters",
}
JOURNAL_VALUES = [
    'jnl_prefix # " Letters"', 'jnl_prefix # " B"', 'jnl_prefix # " E"', "jnl_jasa", "jnl_apsr",
    "jnl_nature", "jnl_plos", "jnl_tods", "jnl_lancet", "jnl_econ", "jnl_jfe", "jnl_ecol",
    "{Journal of Political Economy}", "{Proceedings of the National Academy of Sciences}",
    "{Science}", '"Annual Review of " # "Sociology"', "{Zeitschrift f{\\\"u}r Soziologie}",
    "{Revue fran{\\c{c}}aise de science politique}", "{Journal of Machine Learning Research}",
    "{Bioinformatics}", "{Cell}", "{The Journal of Finance}", "{Water Resources Research}",
]
PUBLISHERS = ["{Springer}", "{Elsevier}", "{Cambridge University Press}", "{Oxford University Press}",
              "{Wiley}", "{MIT Press}", "{ACM}", "{IEEE}", "{Routledge}", "{Princeton University Press}"]
ADDRESSES = ["Berlin", "New York", "Cambridge, MA", "Oxford", "London", "Amsterdam",
             "Z{\\\"u}rich", "S{\\~a}o Paulo", "Tokyo", "Montr{\\'e}al"]
SCHOOLS = ["{University of Oxford}", "{ETH Z{\\\"u}rich}", "{Stanford University}",
           "{Universit{\\'e} de Montr{\\'e}al}", "{University of Tokyo}", "{KU Leuven}"]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
CONFERENCES = ["International Conference on Machine Learning", "Conference on Computational Linguistics",
               "Symposium on Principles of Database Systems", "Annual Meeting of the Political Methodology Society",
               "European Conference on Computer Vision", "Conference on Human Factors in Computing Systems",
               "International Workshop on Ecological Modelling", "World Congress on Public Health"]
UNKNOWN_FIELDS = ["x-custom", "x-color", "owner", "timestamp", "groups", "ranking", "readstatus",
                  "file", "comment", "x-zotero-key", "mendeley-tags"]

ENTRY_TYPES: list[tuple[str, float]] = [
    ("article", 0.55), ("inproceedings", 0.16), ("book", 0.07), ("incollection", 0.07),
    ("phdthesis", 0.04), ("techreport", 0.05), ("misc", 0.03), ("online", 0.03),
]
TYPE_SPELLINGS = {"inproceedings": ["inproceedings", "InProceedings", "INPROCEEDINGS"],
                  "article": ["article", "article", "article", "Article", "ARTICLE"]}


class _Gen:
    """One generation run: the random stream, used keys and pending crossref parents."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.keys: set[str] = set()
        self.tail = [self._long_tail_word() for _ in range(3000)]
        self.pending_parents: list[tuple[str, str, int]] = []  # (key, conference, year)

    # ---- words ---------------------------------------------------------------------------
    def _long_tail_word(self) -> str:
        r = self.rng
        return "".join(r.choice(LONG_TAIL_SYLLABLES) for _ in range(r.randint(2, 4)))

    def word(self) -> str:
        r = self.rng.random()
        if r < 0.80:
            # Zipf-ish: low indices much more often, like real title words.
            i = int(len(TITLE_WORDS) * (self.rng.random() ** 1.6))
            return TITLE_WORDS[i]
        if r < 0.90:
            return self.rng.choice(self.tail)
        if r < 0.95:
            return self.rng.choice(PROTECTED)
        return self.rng.choice(ACCENTED)

    def sentence(self, lo: int, hi: int) -> str:
        words = [self.word() for _ in range(self.rng.randint(lo, hi))]
        text = " ".join(words)
        return text[:1].upper() + text[1:]

    def title(self) -> str:
        t = self.sentence(4, 14)
        if self.rng.random() < 0.25:
            t += ": " + self.sentence(2, 6)
        return t

    def abstract(self) -> str:
        n = self.rng.choice([1, 2, 3, 4, 6]) if self.rng.random() < 0.9 else self.rng.randint(10, 25)
        return " ".join(self.sentence(10, 25) + "." for _ in range(n))

    # ---- names ---------------------------------------------------------------------------
    def person(self) -> str:
        r = self.rng
        fam, given = r.choice(FAMILIES), r.choice(GIVENS)
        x = r.random()
        if x < 0.08:
            return f"{r.choice(PARTICLES)} {fam}, {given}"
        if x < 0.12:
            return f"{given} {r.choice(PARTICLES)} {fam}"
        if x < 0.15:
            return f"{fam}, Jr, {given}" if r.random() < 0.5 else f"{fam}, Jr., {given}"
        if x < 0.55:
            return f"{given} {fam}"
        return f"{fam}, {given}"

    def names(self, lo: int = 1, hi: int = 8) -> tuple[str, str]:
        """An author list and the family name used in the key."""
        r = self.rng
        if r.random() < 0.02:
            inst = r.choice(INSTITUTIONS)
            return inst, "".join(ch for ch in inst.split()[0] if ch.isalpha()) or "org"
        n = min(hi, max(lo, int(r.expovariate(0.45)) + 1))
        people = [self.person() for _ in range(n)]
        if n >= 3 and r.random() < 0.15:
            people.append("others")
        if r.random() < 0.03:
            people.insert(r.randrange(len(people) + 1), r.choice(INSTITUTIONS))
        first = people[0]
        fam = first.split(",")[0] if "," in first else first.split()[-1]
        return " and ".join(people), "".join(ch for ch in fam if ch.isascii() and ch.isalpha())

    def key(self, fam: str, year: int) -> str:
        base = f"{fam.lower() or 'anon'}{year}{self.rng.choice(TITLE_WORDS)[:6]}"
        k, n = base, 0
        while k in self.keys:
            n += 1
            k = f"{base}{chr(ord('a') + (n - 1) % 26)}{(n - 1) // 26 or ''}"
        self.keys.add(k)
        return k

    # ---- values --------------------------------------------------------------------------
    def braced(self, text: str) -> str:
        return f'"{text}"' if self.rng.random() < 0.12 and '"' not in text else "{" + text + "}"

    def pages(self) -> str:
        a = self.rng.randint(1, 2400)
        if self.rng.random() < 0.1:
            return f"e{a}"
        return f"{a}--{a + self.rng.randint(1, 40)}"

    def doi(self) -> str:
        return f"10.{self.rng.randint(1000, 9999)}/{self._long_tail_word()}.{self.rng.randint(1, 99999)}"

    # ---- entries -------------------------------------------------------------------------
    def entry(self) -> tuple[str, str]:
        """(entry text, entry type) of one ordinary entry."""
        r = self.rng
        etype = r.choices([t for t, _ in ENTRY_TYPES], [w for _, w in ENTRY_TYPES])[0]
        year = int(r.triangular(1950, 2026, 2018))
        authors, fam = self.names()
        fields: list[tuple[str, str]] = []
        if etype == "book" and r.random() < 0.3:
            fields.append(("editor", "{" + self.names(1, 3)[0] + "}"))
        else:
            fields.append(("author", "{" + authors + "}"))
        fields.append(("title", "{" + self.title() + "}"))
        fields.append(("year", str(year) if r.random() < 0.3 else "{" + str(year) + "}"))
        crossref: str | None = None
        if etype == "article":
            fields.append(("journal", r.choice(JOURNAL_VALUES)))
            fields += [("volume", str(r.randint(1, 140))), ("number", str(r.randint(1, 12))),
                       ("pages", "{" + self.pages() + "}")]
        elif etype == "inproceedings":
            if r.random() < 0.15:
                crossref = self.parent_key(year)
                fields.append(("crossref", "{" + crossref + "}"))
            else:
                conf = r.choice(CONFERENCES)
                fields.append(("booktitle", "{Proceedings of the " + conf + "}"))
            fields.append(("pages", "{" + self.pages() + "}"))
        elif etype in ("book", "incollection"):
            fields += [("publisher", r.choice(PUBLISHERS)), ("address", "{" + r.choice(ADDRESSES) + "}")]
            if etype == "incollection":
                fields += [("booktitle", "{" + self.title() + "}"), ("editor", "{" + self.names(1, 3)[0] + "}"),
                           ("pages", "{" + self.pages() + "}")]
            else:
                fields.append(("isbn", f"{{978-{r.randint(0, 9)}-{r.randint(100, 999)}-{r.randint(10000, 99999)}-{r.randint(0, 9)}}}"))
        elif etype == "phdthesis":
            fields.append(("school", r.choice(SCHOOLS)))
        elif etype == "techreport":
            fields += [("institution", r.choice(SCHOOLS)), ("number", "{" + f"TR-{year}-{r.randint(1, 99):02d}" + "}")]
        else:
            fields.append(("howpublished", "{\\url{https://example.org/" + self._long_tail_word() + "}}"))
            if etype == "online":
                fields.append(("urldate", f"{{{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}}}"))
        optional: list[tuple[str, str]] = [
            ("month", r.choice(MONTHS) if r.random() < 0.8 else "{" + str(r.randint(1, 12)) + "}"),
            ("doi", "{" + self.doi() + "}"),
            ("url", "{https://doi.org/" + self.doi() + "}"),
            ("abstract", self.braced(self.abstract())),
            ("keywords", "{" + ", ".join(r.choice(TITLE_WORDS) for _ in range(r.randint(2, 6))) + "}"),
            ("note", "{" + self.sentence(2, 8) + "}"),
            ("issn", f"{{{r.randint(1000, 9999)}-{r.randint(1000, 9999)}}}"),
            ("language", r.choice(["{english}", "{german}", "{french}", '"english"'])),
            (r.choice(UNKNOWN_FIELDS), "{" + self.sentence(1, 4) + "}"),
            ("x-custom", "{" + self._long_tail_word() + "}"),
        ]
        r.shuffle(optional)
        target = r.randint(8, 15)
        for name, value in optional:
            if len(fields) >= target:
                break
            if all(name != f for f, _ in fields):
                fields.append((name, value))
        key = self.key(fam, year)
        return self.format_entry(etype, key, fields), etype

    def parent_key(self, year: int) -> str:
        """A @proceedings parent to be written later in the file (crossref forward reference)."""
        if self.pending_parents and self.rng.random() < 0.6:
            return self.rng.choice(self.pending_parents)[0]
        conf = self.rng.choice(CONFERENCES)
        acronym = "".join(w[0] for w in conf.split() if w[0].isupper()).lower()
        key = self.key(acronym, year)
        self.pending_parents.append((key, conf, year))
        return key

    def parent_entry(self, key: str, conf: str, year: int) -> str:
        fields = [
            ("title", "{Proceedings of the " + conf + f" ({year})" + "}"),
            ("booktitle", "{Proceedings of the " + conf + "}"),
            ("editor", "{" + self.names(1, 4)[0] + "}"),
            ("year", str(year)),
            ("publisher", self.rng.choice(PUBLISHERS)),
            ("address", "{" + self.rng.choice(ADDRESSES) + "}"),
            ("month", self.rng.choice(MONTHS)),
            ("isbn", f"{{978-1-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}-0}}"),
        ]
        return self.format_entry("proceedings", key, fields)

    def format_entry(self, etype: str, key: str, fields: list[tuple[str, str]]) -> str:
        r = self.rng
        spelled = r.choice(TYPE_SPELLINGS.get(etype, [etype]))
        style = r.random()
        if style < 0.7:  # JabRef-like
            body = ",\n".join(f"  {n} = {v}" for n, v in fields)
        elif style < 0.9:  # aligned, as bibtool writes it
            width = max(len(n) for n, _ in fields)
            body = ",\n".join(f"  {n.ljust(width)} = {v}" for n, v in fields)
        else:  # tab-indented, upper-case names, as some exporters write it
            body = ",\n".join(f"\t{n.upper()}={v}" for n, v in fields)
        trailing = "," if r.random() < 0.4 else ""
        return f"@{spelled}{{{key},\n{body}{trailing}\n}}"


def _header() -> str:
    strings = "\n".join(f'@string{{{k} = "{v}"}}' for k, v in JOURNAL_MACROS.items())
    return (
        "% Synthetic library for Bibliofile benchmarks (bench/generate_bib.py)\n"
        "% Encoding: UTF-8\n\n"
        '@preamble{ "\\newcommand{\\noopsort}[1]{} " # "\\providecommand{\\url}[1]{#1}" }\n\n'
        f"{strings}\n\n"
        "@comment{This file mixes entry types, macros and accents on purpose.}\n"
    )


def generate(n: int, seed: int = 1) -> str:
    """The text of a .bib file with exactly ``n`` entries (including @proceedings parents)."""
    g = _Gen(seed)
    parts = [_header()]
    written = 0
    while written < n:
        r = g.rng.random()
        # Flush crossref parents from time to time, always after their children.
        if g.pending_parents and (r < 0.004 or len(g.pending_parents) > 20 or written >= n - len(g.pending_parents)):
            key, conf, year = g.pending_parents.pop(0)
            parts.append(g.parent_entry(key, conf, year))
            written += 1
            continue
        if r < 0.0005:
            parts.append(f'@String{{mac{written} = "Macro defined mid-file {written}"}}')
        elif r < 0.001:
            parts.append(f"@comment{{Merged from group library, part {written}}}")
        elif r < 0.0015:
            parts.append(f"Stray note between entries ({written}), as hand-edited files have.")
        text, _etype = g.entry()
        if written >= n - len(g.pending_parents):
            # Room is left only for parents: write them instead of another child.
            continue
        parts.append(text)
        written += 1
    parts.append("@comment{jabref-meta: databaseType:bibtex;}")
    return "\n\n".join(parts) + "\n"


def ensure_bib(n: int, seed: int = 1) -> Path:
    """bench/data/synthetic-N.bib (seed 1) or synthetic-N-sS.bib, generated once and reused."""
    name = f"synthetic-{n}.bib" if seed == 1 else f"synthetic-{n}-s{seed}.bib"
    path = DATA_DIR / name
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(generate(n, seed), encoding="utf-8", newline="")
        tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("n", type=int, help="number of entries")
    ap.add_argument("out", type=Path, help="the .bib file to write")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    args.out.write_text(generate(args.n, args.seed), encoding="utf-8", newline="")
    print(f"wrote {args.n} entries to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
