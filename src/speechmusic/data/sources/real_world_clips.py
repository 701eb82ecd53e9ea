"""The real-world set's list of clips (``real_world.csv``): entries, splits by source, licences and credits."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from speechmusic.core.errors import ParameterError
from speechmusic.core.labels import FOLDER_ALIASES, LEARNED_LABELS, label_of_folder
from speechmusic.data.ingest import safe_stem

#: The manifest's ``source`` value of every clip this source writes.
SOURCE_NAME = "real-world"
#: Where the originals are fetched from: ``<base>/<repo>/<commit>/<url-encoded path>``.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
#: The packaged list of clips (package data next to this module).
MANIFEST_RESOURCE = "real_world.csv"
#: Columns of the packaged list, in order.
FIELDS = ("id", "label", "category", "language", "recording", "repo", "commit", "path", "source_sha256",
          "start_s", "duration_s", "licence", "attribution")
#: Share of each class's audio (by duration) that goes to the test split, at most.
TEST_FRACTION = 0.25
#: Originals cached under this sub-folder of the download cache.
CACHE_SUBFOLDER = "real-world"
#: Written beside the lab's data: who made each clip and under which licence.
ATTRIBUTION_NAME = "ATTRIBUTION-real-world.md"
#: Written into a folder made by :func:`build_real_world_folder`.
FOLDER_ATTRIBUTION_NAME = "ATTRIBUTION.md"
#: An original at most this much longer than ``duration_s`` counts as the whole clip (seconds;
#: the shared copy's durations are measured to the millisecond).
WHOLE_FILE_TOLERANCE = 0.05
#: Columns of the ``manifest.csv`` that :func:`build_real_world_folder` writes (those of the shared
#: copy without its free-text ``notes``). ``duration_s``, ``sample_rate``, ``channels`` and ``codec``
#: describe the written clip file.
FOLDER_FIELDS = ("id", "label", "category", "language", "recording", "repo", "commit", "path", "source_sha256",
                 "start_s", "duration_s", "sample_rate", "channels", "codec", "licence", "attribution")

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# --- the list of clips ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One clip of the set: where its original is and which stretch of it the clip is."""

    id: str
    label: str
    category: str
    language: str
    recording: str
    repo: str
    commit: str
    path: str
    source_sha256: str
    start_s: float
    duration_s: float
    licence: str
    attribution: str

    @property
    def label_name(self) -> str:
        """The tools' label of the clip (``noise`` for the list's ``neither``, :mod:`speechmusic.core.labels`)."""
        return label_of_folder(self.label) or self.label

    @property
    def group(self) -> str:
        """The source unit of the train/test split: the repository's owner (see the module notes)."""
        return self.repo.split("/", 1)[0]

    def url(self, base_url: str = DEFAULT_BASE_URL) -> str:
        """Address of the original under ``base_url`` (raw.githubusercontent.com's layout).

        Examples
        --------
        >>> entry = load_manifest()[0]
        >>> entry.url("http://127.0.0.1:8000").startswith("http://127.0.0.1:8000/Azure-Samples/")
        True
        """
        return f"{base_url.rstrip('/')}/{self.repo}/{self.commit}/{quote(self.path, safe='/')}"

    @property
    def original(self) -> str:
        """The canonical address of the original (recorded in the data manifest)."""
        return self.url(DEFAULT_BASE_URL)

    @property
    def page(self) -> str:
        """The original's page on GitHub at the pinned commit."""
        return f"https://github.com/{self.repo}/blob/{self.commit}/{quote(self.path, safe='/')}"

    @property
    def cache_name(self) -> str:
        """File name of the original in the cache: its sha256 prefix and its own name."""
        name = Path(self.path).name
        return f"{self.source_sha256[:16]}-{safe_stem(name)}{Path(name).suffix.lower()}"

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


def load_manifest(path: str | os.PathLike | None = None) -> list[Entry]:
    """The clips of the set, from the packaged list or a CSV file with the same columns.

    Parameters
    ----------
    path : path-like or None
        A CSV with the columns of :data:`FIELDS` (more columns are ignored); None: the packaged list.

    Returns
    -------
    list of Entry
        In the file's order.

    Raises
    ------
    ParameterError
        A missing column, an unknown label, a malformed sha256 or number, or a repeated id; the
        message names the row.

    Examples
    --------
    >>> entries = load_manifest()
    >>> len(entries), sorted(Counter(e.label for e in entries).items())
    (204, [('music', 102), ('neither', 40), ('speech', 62)])
    """
    if path is None:
        text = resources.files(__package__).joinpath(MANIFEST_RESOURCE).read_text(encoding="utf-8")
        where = f"the packaged {MANIFEST_RESOURCE}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ParameterError(f"{path}: cannot read the real-world manifest ({error.strerror or error})") from None
        where = str(path)
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in FIELDS if name not in (reader.fieldnames or [])]
    if missing:
        raise ParameterError(f"{where}: missing columns {', '.join(missing)} (needs {', '.join(FIELDS)})")
    entries, seen = [], set()
    for line, row in enumerate(reader, start=2):
        try:
            entry = Entry(**{name: row[name].strip() for name in FIELDS if name not in ("start_s", "duration_s")},
                          start_s=float(row["start_s"]), duration_s=float(row["duration_s"]))
        except (TypeError, ValueError, AttributeError):
            raise ParameterError(f"{where}, line {line}: start_s and duration_s must be numbers") from None
        problem = None
        if not _ID.match(entry.id):
            problem = f"id {entry.id!r} is not a plain file-name stem"
        elif entry.id in seen:
            problem = f"id {entry.id} appears twice"
        elif label_of_folder(entry.label) is None:
            problem = f"label must be one of {', '.join([*LEARNED_LABELS, *FOLDER_ALIASES])}, got {entry.label!r}"
        elif not _HEX64.match(entry.source_sha256):
            problem = "source_sha256 must be 64 lower-case hexadecimal digits"
        elif entry.repo.count("/") != 1 or not entry.commit or not entry.path:
            problem = "repo must be owner/name, and commit and path must be given"
        elif not (entry.start_s >= 0 and entry.duration_s > 0 and math.isfinite(entry.end_s)):
            problem = "start_s must be >= 0 and duration_s > 0"
        if problem:
            raise ParameterError(f"{where}, line {line}: {problem}")
        seen.add(entry.id)
        entries.append(entry)
    if not entries:
        raise ParameterError(f"{where}: no clips listed")
    return entries


def assign_splits(entries: Sequence[Entry], *, test_fraction: float = TEST_FRACTION) -> dict[str, str]:
    """Group (repository owner) -> ``"train"`` or ``"test"``; deterministic, see the module notes.

    Parameters
    ----------
    entries : sequence of Entry
        The clips.
    test_fraction : float
        Largest share of each class's total duration that goes to test (exceeded only when a class
        would otherwise have no test source: its shortest source then goes to test).

    Returns
    -------
    dict
        Every group of ``entries`` mapped to its split.

    Examples
    --------
    >>> splits = assign_splits(load_manifest())
    >>> sorted(Counter(splits.values()).items())
    [('test', 15), ('train', 17)]
    """
    if not 0 <= test_fraction < 1:
        raise ParameterError(f"test_fraction must be in [0, 1), got {test_fraction}")
    total: Counter = Counter()
    per_group: dict[str, Counter] = defaultdict(Counter)
    for entry in entries:
        total[entry.label] += entry.duration_s
        per_group[entry.group][entry.label] += entry.duration_s
    in_test: Counter = Counter()
    splits = {}
    for group in sorted(per_group, key=lambda g: hashlib.sha256(g.encode("utf-8")).hexdigest()):
        durations = per_group[group]
        fits = all(in_test[label] + seconds <= test_fraction * total[label] + 1e-9
                   for label, seconds in durations.items())
        splits[group] = "test" if fits else "train"
        if fits:
            in_test.update(durations)
    # A small list may leave a class without test audio: then its shortest source goes to test
    # (when the class has at least two sources, so that train keeps one).
    for label in sorted(total):
        groups = [g for g in per_group if per_group[g][label] > 0]
        if len(groups) >= 2 and not any(splits[g] == "test" for g in groups):
            splits[min(groups, key=lambda g: (per_group[g][label], g))] = "test"
    return splits


_LICENCE_FAMILIES = (
    # (family, how the statement starts, licence text)
    ("CC BY-SA 4.0", r"CC BY-SA 4\.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    ("CC BY-SA 3.0", r"CC BY-SA 3\.0", "https://creativecommons.org/licenses/by-sa/3.0/"),
    ("CC BY 4.0", r"CC BY 4\.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY 3.0", r"CC BY 3\.0", "https://creativecommons.org/licenses/by/3.0/"),
    ("CC BY (version not stated)", r"CC BY\b", "https://creativecommons.org/licenses/"),
    ("CC0", r"CC0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("Public domain", r"Public domain", ""),
    ("Apache-2.0", r"Apache-2\.0", "https://www.apache.org/licenses/LICENSE-2.0"),
    ("MIT", r"MIT\b", "https://opensource.org/license/mit"),
    ("BSD-2-Clause", r"BSD-2-Clause", "https://opensource.org/license/bsd-2-clause"),
    ("BSD-3-Clause", r"BSD-3-Clause", "https://opensource.org/license/bsd-3-clause"),
)

#: What each family asks of someone who shares the clips (the attribution files repeat it).
_FAMILY_TERMS = {
    "CC0": "no conditions; the credit below is a courtesy.",
    "Public domain": "no conditions; the credit below is a courtesy.",
    "CC BY": "credit the author (the attribution below), link the licence and say that the clip was cut "
             "from the original.",
    "CC BY-SA": "as CC BY, and share alike: clips you pass on (they are adaptations) must carry the same licence.",
    "permissive": "the repository's own licence covers its files: keep its copyright notice and licence text "
                  "(the LICENSE file of the repository at the pinned commit) with clips you pass on; "
                  "Apache-2.0 also asks you to state that they were changed (cut).",
}


def licence_family(statement: str) -> str:
    """The licence family a clip's licence statement names (``"other"`` when none matches).

    Examples
    --------
    >>> licence_family("CC BY-SA 4.0 (ATTRIBUTIONS.md)"), licence_family("CC0 / public domain (x)")
    ('CC BY-SA 4.0', 'CC0')
    >>> licence_family('CC BY (stated as "(BY)"; version not given)')
    'CC BY (version not stated)'
    """
    for family, pattern, _ in _LICENCE_FAMILIES:
        if re.match(pattern, statement.strip(), flags=re.IGNORECASE):
            return family
    return "other"


def _family_terms(family: str) -> str:
    if family in ("CC0", "Public domain"):
        return _FAMILY_TERMS[family]
    if family.startswith("CC BY-SA"):
        return _FAMILY_TERMS["CC BY-SA"]
    if family.startswith("CC BY"):
        return _FAMILY_TERMS["CC BY"]
    if family in ("Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause"):
        return _FAMILY_TERMS["permissive"]
    return "see each clip's licence statement."


def _family_link(family: str) -> str:
    return next((link for name, _, link in _LICENCE_FAMILIES if name == family), "")


def attribution_markdown(entries: Sequence[Entry], *, title: str, intro: str,
                         clips: dict[str, str] | None = None) -> str:
    """A Markdown page crediting ``entries``, grouped by licence family.

    Parameters
    ----------
    entries : sequence of Entry
        The clips to credit.
    title, intro : str
        The page's heading and first paragraph.
    clips : dict or None
        id -> a note on what was made from that clip (for example ``"4 clips, train"``).

    Returns
    -------
    str
    """
    by_family: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_family[licence_family(entry.licence)].append(entry)
    order = [name for name, _, _ in _LICENCE_FAMILIES] + ["other"]
    lines = [f"# {title}", "", intro, "",
             "Each clip is a stretch cut from a file published in a public GitHub repository, at the commit "
             "named below (its sha256 was checked on download). Licences are as stated by each repository; "
             "the statement quoted for each clip says where. What each licence family asks of you if you pass "
             "clips on is given under its heading.", ""]
    counts = Counter(licence_family(e.licence) for e in entries)
    lines += ["| licence family | clips |", "|---|---|"]
    lines += [f"| {family} | {counts[family]} |" for family in order if counts[family]]
    for family in order:
        members = by_family.get(family)
        if not members:
            continue
        link = _family_link(family)
        lines += ["", f"## {family}" + (f" ({link})" if link else ""), "", f"Terms: {_family_terms(family)}", ""]
        for entry in members:
            note = f" -- {clips[entry.id]}" if clips and entry.id in clips else ""
            kind = ", ".join(part for part in (entry.label, entry.category, entry.language) if part)
            lines.append(
                f"- `{entry.id}` ({kind}){note}: {entry.attribution}. "
                f"Licence: {entry.licence}. Source: {entry.repo}, `{entry.path}` at commit {entry.commit[:12]}, "
                f"{entry.start_s:g}-{entry.end_s:g} s; {entry.page}"
            )
    return "\n".join(lines) + "\n"
