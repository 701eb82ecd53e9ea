"""The labels: what the tools call each stretch of sound, and the lab's two classes. The one definition.

The tools (``predict``, ``segment``, batch segmentation, the reports) follow the broadcast
convention, with four labels (:data:`LABELS`):

``speech``
    talk of any kind, including speech over a music bed (a presenter over a jingle's tail, a
    voice-over on a song): broadcasters log it as speech, because someone is speaking.
``music``
    instrumental music *and* music with voices: singing, humming, rap, choirs, jingles.
``noise``
    sound that is neither: ambience, machinery, vehicles, weather, water, animals, applause, crowd
    murmur without intelligible speech, tones and test signals.
``silence``
    sound below an energy floor (:data:`DEFAULT_SILENCE_DB`, a level the user can set). Not learned
    by a model: it is decided from the level alone (``learned=False``), so a quiet room is silence
    whatever a classifier would make of its hiss.

A model learns some of the learned labels (:data:`LEARNED_LABELS`): the shipped model all three; a
model trained on a data folder with only ``speech/`` and ``music/`` those two. Adding a label means
adding it here, giving it data, and training a model on that data; nothing else names the labels.

The lab (the notebook and its exercises) stays binary: music (label 0) against speech (label 1),
:data:`LAB_CLASSES`, whatever the tools do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from speechmusic.core.errors import ParameterError


@dataclass(frozen=True)
class Label:
    """One label of the tools.

    Attributes
    ----------
    name : str
        What every output writes (CSV, JSON, TextGrid, summaries) and the folder name in a data folder.
    colour : str
        Hex colour of the label in figures, the batch report and the live page.
    meaning : str
        One line saying what the label covers (help texts, docs).
    learned : bool
        True when a model learns it from examples; False when a rule decides it (silence: the level).
    """

    name: str
    colour: str
    meaning: str
    learned: bool = True


#: The tools' labels, in the order outputs list them.
LABELS: tuple[Label, ...] = (
    Label("speech", "#1f77b4", "talk, including speech over a music bed"),
    Label("music", "#ff7f0e", "instrumental music, singing, humming, rap, choirs and jingles"),
    Label("noise", "#2ca02c", "neither speech nor music: ambience, machinery, weather, animals, applause, tones"),
    Label("silence", "#b0b0b0", "below the energy floor", learned=False),
)
#: Every label's name, in :data:`LABELS` order.
LABEL_NAMES: tuple[str, ...] = tuple(label.name for label in LABELS)
#: The labels a model can learn, in :data:`LABELS` order.
LEARNED_LABELS: tuple[str, ...] = tuple(label.name for label in LABELS if label.learned)
#: Each label's colour, by name.
COLOURS: dict[str, str] = {label.name: label.colour for label in LABELS}
#: The label decided by the level rule.
SILENCE = "silence"
#: The energy floor: a stretch whose level (RMS, in dB relative to digital full scale) stays
#: below it is silence. -60 dBFS is quieter than any talk or music in the shared real-world set
#: (their quietest stretches of sound sit near -50 dBFS) and louder than a quiet room's tone
#: (-70 dBFS there); ``--silence-db`` moves it.
DEFAULT_SILENCE_DB = -60.0

#: The lab's two classes, by label: music = 0, speech = 1 (the notebook's ``y``).
LAB_CLASSES: tuple[str, str] = ("music", "speech")
#: A stand-in for the folder name ``neither/`` of clip folders such as ../shared/real-world,
#: which call "noise" what is neither speech nor music.
FOLDER_ALIASES: dict[str, str] = {"neither": "noise"}


def model_classes(names: Iterable[str]) -> tuple[str, ...]:
    """The column order of a model that learns the labels ``names``.

    The lab's two classes keep the lab's order (music = 0, speech = 1), so a speech/music model is
    the lab's model; any other set follows :data:`LABELS`.

    Raises
    ------
    ParameterError
        Fewer than two labels, a label given twice, or a label no model can learn.

    Examples
    --------
    >>> model_classes(["speech", "music"])
    ('music', 'speech')
    >>> model_classes(["noise", "music", "speech"])
    ('speech', 'music', 'noise')
    """
    names = list(names)
    unknown = [n for n in names if n not in LEARNED_LABELS]
    if unknown:
        raise ParameterError(
            f"a model learns labels among {', '.join(LEARNED_LABELS)}, got {', '.join(map(repr, unknown))}"
            + (" (silence is decided by the level, not learned)" if SILENCE in unknown else "")
        )
    if len(set(names)) != len(names):
        raise ParameterError(f"labels given twice: {', '.join(names)}")
    if len(names) < 2:
        raise ParameterError(f"a model needs at least two labels, got {', '.join(names) or 'none'}")
    if set(names) == set(LAB_CLASSES):
        return LAB_CLASSES
    return tuple(n for n in LEARNED_LABELS if n in names)


def label_of_folder(name: str) -> str | None:
    """The label a data folder's name stands for (``noise`` for ``neither``), or None.

    Examples
    --------
    >>> label_of_folder("neither"), label_of_folder("speech"), label_of_folder("misc")
    ('noise', 'speech', None)
    """
    name = FOLDER_ALIASES.get(name, name)
    return name if name in LEARNED_LABELS else None
