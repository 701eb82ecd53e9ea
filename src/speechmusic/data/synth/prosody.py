"""How languages differ in rhythm and pitch, for the synthetic speech of :mod:`speechmusic.data.synth`.

The synthetic talker speaks no real language, but its syllables are timed and pitched like one of
four broad families of the world's languages:

* **stress-timed** (English, German, Dutch, Russian): complex syllables (clusters, codas), strong
  contrast between long loud stressed syllables and short reduced ones (vowels towards schwa),
  pitch accents on stressed syllables; 3-6 syllables per second.
* **syllable-timed** (Spanish, Italian, French, Portuguese, Greek, Turkish, Finnish, Hungarian):
  mostly consonant + vowel, five full vowels, little reduction, even durations; 4.5-7.5 syllables
  per second.
* **mora-timed** (Japanese): consonant + vowel and a few nasal codas, very even and fast
  (6-8.5 per second), a lexical pitch accent (a high stretch, then a fall) rather than stress.
* **tone languages** (Mandarin, Cantonese, Vietnamese, Thai, Yoruba): every syllable carries
  its own pitch shape (level, rising, falling, dipping) of several semitones on a full vowel;
  3.5-6 syllables per second.

:func:`random_rhythm` draws one; :func:`tone_contour` gives a lexical tone's pitch shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Onset and coda types the speech planner knows (synth._plan_speech).
ONSETS = ("none", "stop", "fric", "nasal", "approx", "cluster")
CODAS = ("none", "nasal", "stop", "fric", "approx")


@dataclass(frozen=True)
class Rhythm:
    """Timing and pitch habits of one family of languages.

    Attributes
    ----------
    name : str
    rate_range : (float, float)
        Syllables (morae) per second of a talker.
    onset_p, coda_p : tuple of float
        Probabilities of the :data:`ONSETS` and :data:`CODAS` types.
    stress_probability : float
        Share of stressed syllables.
    stress_lengthening : float
        Duration factor of a stressed vowel.
    stress_contrast_db : (float, float)
        Level range of unstressed syllables below stressed ones (dB).
    reduction : float
        Share of unstressed vowels reduced to schwa.
    vowels : tuple of str
        Vowel inventory (keys of synth._VOWELS).
    diphthong_probability : float
    word_gap_probability : float
        Share of syllable boundaries with a short gap.
    accent_probability : float
        Share of syllables with a pitch accent (rise-fall).
    tonal : bool
        Every syllable gets a lexical tone (:func:`tone_contour`).
    glide_range : (float, float)
        Semitones the pitch drifts within a syllable (non-tonal).
    """

    name: str
    rate_range: tuple[float, float]
    onset_p: tuple[float, ...]
    coda_p: tuple[float, ...]
    stress_probability: float
    stress_lengthening: float
    stress_contrast_db: tuple[float, float]
    reduction: float
    vowels: tuple[str, ...]
    diphthong_probability: float
    word_gap_probability: float
    accent_probability: float
    tonal: bool
    glide_range: tuple[float, float]


_ALL_VOWELS = ("i", "I", "e", "ae", "a", "o", "U", "u", "V", "3", "@")
_FIVE_VOWELS = ("i", "e", "a", "o", "u")

RHYTHMS = {
    "stress": Rhythm("stress", (3.0, 6.0), (0.2, 0.3, 0.22, 0.12, 0.08, 0.08), (0.4, 0.2, 0.15, 0.2, 0.05),
                     0.4, 1.4, (2.0, 9.0), 0.5, _ALL_VOWELS, 0.2, 0.3, 0.5, False, (-4.0, 3.0)),
    "syllable": Rhythm("syllable", (4.5, 7.5), (0.15, 0.35, 0.2, 0.15, 0.1, 0.05), (0.65, 0.12, 0.05, 0.13, 0.05),
                       0.3, 1.15, (1.0, 5.0), 0.08, _FIVE_VOWELS + ("ae", "I"), 0.1, 0.2, 0.4, False, (-3.0, 3.0)),
    "mora": Rhythm("mora", (6.0, 8.5), (0.12, 0.38, 0.22, 0.18, 0.1, 0.0), (0.88, 0.12, 0.0, 0.0, 0.0),
                   0.15, 1.05, (0.5, 4.0), 0.0, _FIVE_VOWELS, 0.0, 0.15, 0.2, False, (-2.0, 2.0)),
    "tone": Rhythm("tone", (3.5, 6.0), (0.12, 0.35, 0.25, 0.15, 0.08, 0.05), (0.55, 0.35, 0.05, 0.0, 0.05),
                   0.2, 1.15, (1.0, 5.0), 0.1, _ALL_VOWELS, 0.3, 0.25, 0.0, True, (-1.0, 1.0)),
}
#: How often each family is drawn (roughly the share of the world's speakers, English-heavy
#: corpora being the stress-timed part).
RHYTHM_WEIGHTS = {"stress": 0.35, "syllable": 0.3, "mora": 0.1, "tone": 0.25}

#: Lexical tones as (start, end, dip) in semitones re the talker's median pitch: a tone moves from
#: ``start`` to ``end`` through ``dip`` at its middle (0 for a straight line).
TONES = {
    "high": (3.0, 3.5, 0.0),
    "rising": (-1.0, 4.0, 0.0),
    "dipping": (-1.0, 1.5, -4.0),
    "falling": (4.0, -3.5, 0.0),
    "low": (-2.5, -3.0, 0.0),
    "mid": (0.0, 0.0, 0.0),
}


#: How often each tone occurs (contour tones dominate in Mandarin, Vietnamese and Thai).
TONE_WEIGHTS = {"high": 0.2, "rising": 0.22, "dipping": 0.18, "falling": 0.25, "low": 0.08, "mid": 0.07}


def random_rhythm(rng: np.random.Generator, weights: dict | None = None) -> Rhythm:
    """One of :data:`RHYTHMS`, drawn with ``weights`` (name -> share; default :data:`RHYTHM_WEIGHTS`)."""
    weights = RHYTHM_WEIGHTS if weights is None else weights
    names = [name for name, share in weights.items() if share > 0]
    if len(names) == 1:  # nothing to draw (the lab's talkers: the generator's version-1 stream)
        return RHYTHMS[names[0]]
    weights = np.array([weights[name] for name in names], dtype=float)
    return RHYTHMS[names[int(rng.choice(len(names), p=weights / weights.sum()))]]


def tone_contour(name: str, x: np.ndarray, *, span: float = 1.0) -> np.ndarray:
    """Pitch (semitones re the median) of lexical tone ``name`` at relative times ``x`` in [0, 1].

    ``span`` scales the tone's excursion (talkers and speaking styles differ).

    Examples
    --------
    >>> import numpy as np
    >>> tone_contour("rising", np.array([0.0, 1.0])).tolist()
    [-1.0, 4.0]
    """
    start, end, dip = TONES[name]
    x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
    return span * (start + (end - start) * x + dip * np.sin(np.pi * x) ** 2)
