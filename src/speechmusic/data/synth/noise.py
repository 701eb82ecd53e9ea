"""Sound that is neither speech nor music (the label "noise"), and silence presets.

Broadcasters label what is neither talk nor music "noise": ambience, machinery, vehicles,
weather, water, animals, applause, a crowd's murmur with no intelligible talk, tones and test
signals. A detector that has only heard speech and music calls all of it one or the other, so
the generator makes it, in the kinds of :data:`NOISE_KINDS` (what each sounds like is in the
docstring of its function):

* signals and machines (:mod:`speechmusic.data.synth.signals`): white, pink and brown noise,
  mains hum, a fan or air conditioner, radio static and record crackle, regular and irregular
  clicks, sine sweeps, steady test tones (1 kHz above all), telephone keypad tones, beeps,
  sirens and alarms, engines and passing vehicles, machinery, road traffic;
* nature (:mod:`speechmusic.data.synth.nature`): rain, wind, a stream, surf, fire, thunder,
  birdsong, crickets and cicadas;
* people, here: applause, a crowd's murmur (many far talkers of the speech synthesiser at once,
  unintelligible), typing, footsteps;
* "ambience": a scene of two or three of the above (a street, a park, an office, a night, a
  station, a kitchen).

:func:`speechmusic.data.synth.clips.synthesize_noise` draws a kind with the preset's shares
(:attr:`speechmusic.data.synth.conditions.Conditions.noise_kinds`) and passes it through the
recording chain with the preset's ``noise_chain`` (outdoor kinds are rarely in a room).

Silence presets (:data:`SILENCE_KINDS`, :func:`speechmusic.data.synth.clips.synthesize_silence`)
are for measuring and testing an energy-floor rule, not for a classifier: digital silence, a
device's hiss and a room's tone at -90 to -55 dBFS.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.data.synth import nature, signals
from speechmusic.data.synth.common import _wander
from speechmusic.data.synth.effects import (
    _babble,
    bandpass_noise,
    colored_noise,
    reverberate,
    rms,
    room_impulse_response,
)
from speechmusic.data.synth.signals import burst, ring_events
from speechmusic.data.synth.voice import _babble_voice

#: Silence presets and the range of their level (RMS, dBFS); digital silence has none.
SILENCE_KINDS = {"digital": None, "hiss": (-90.0, -55.0), "room tone": (-80.0, -55.0)}


def applause(rng: np.random.Generator, n: int, sr: int, cond, info: dict, *, clappers: int | None = None) -> np.ndarray:
    """Applause: 3-300 people clapping, each at their own rate (2.5-6 claps per second) and with
    their own hands' sound; it swells in, holds and dies away; now and then a whistle."""
    clappers = int(np.exp(rng.uniform(np.log(3), np.log(300)))) if clappers is None else clappers
    seconds = n / sr
    start = rng.uniform(-2.0, 0.3 * seconds)
    end = start + rng.uniform(2.0, 15.0)
    kernels = [burst(rng, sr, low, low * rng.uniform(2, 4), rng.uniform(0.002, 0.008))
               for low in rng.uniform(500, 1500, 12)]
    times, amps, groups, rates = [], [], [], []
    for c in range(clappers):
        rate = rng.uniform(2.5, 6.0)
        gaps = (1.0 + rng.normal(0, 0.08, int((end - start) * rate) + 2)) / rate
        own = start + rng.uniform(0, 1 / rate) + np.concatenate([[0.0], np.cumsum(gaps)])
        own = own[own < end]
        times.append(own)
        amps.append(np.full(own.size, 10 ** (-rng.uniform(0, 12) / 20)) * rng.uniform(0.7, 1.0, own.size))
        groups.append(np.full(own.size, c % len(kernels)))
        rates.append(rate)
    t = np.concatenate(times)
    swell = np.clip((t - start) / rng.uniform(0.3, 1.0), 0, 1) * np.clip((end - t) / rng.uniform(0.5, 2.0), 0, 1)
    y = ring_events(n, t, np.concatenate(amps) * swell, kernels, np.concatenate(groups), sr)
    if rng.random() < 0.2:  # someone whistles
        at, length = rng.uniform(0, seconds), rng.uniform(0.3, 1.0)
        s = np.arange(int(length * sr)) / sr
        whistle = np.sin(2 * np.pi * np.cumsum(rng.uniform(1500, 3000) * (1 + 0.2 * s / length)) / sr) * np.sin(np.pi * s / length)
        a = int(at * sr)
        y[a : a + whistle.size] += whistle[: max(n - a, 0)] * rms(y) * 2
    info.update(clappers=clappers, claps_per_second=float(np.sum(rates)), start=start, end=end)
    return y


def crowd(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A crowd's murmur: 12-40 talkers of the speech synthesiser at once, far away in a hall or a
    square (reverberant, dull), so that no one is intelligible."""
    import scipy.signal

    talkers = int(rng.integers(12, 41))
    murmur = _babble(rng, n, sr, _babble_voice(cond)(rng, n, sr), talkers)
    murmur = reverberate(murmur, room_impulse_response(rng, sr, rt60=rng.uniform(0.6, 2.0), drr_db=rng.uniform(-8, -2)))
    info.update(talkers=talkers)
    return scipy.signal.sosfilt(scipy.signal.butter(2, rng.uniform(1500, 4000), "lowpass", fs=sr, output="sos"), murmur)


def typing(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Typing: keystrokes (a click and a thump, then a softer release) in words of 2-8 keys, a
    heavier space bar between them, pauses to think."""
    mechanical = rng.random() < 0.5
    band, decay = ((2000, 8000), (0.002, 0.004)) if mechanical else ((1000, 5000), (0.001, 0.002))

    def key(low_hz: float) -> np.ndarray:
        click = burst(rng, sr, band[0], band[1], rng.uniform(*decay), length=0.03)
        thump = burst(rng, sr, 80, low_hz, rng.uniform(0.008, 0.015), length=0.03)
        return click + thump * rng.uniform(0.3, 0.8)

    kernels = [key(500), key(500), key(300), burst(rng, sr, band[0], band[1], decay[0], length=0.02)]
    mean_gap = rng.uniform(0.12, 0.25)
    t, times, groups = -rng.uniform(0, 1.0), [], []
    while t < n / sr:
        for k in range(int(rng.integers(2, 9))):
            group = 2 if k == 0 and times else int(rng.integers(0, 2))  # a word starts after the space bar
            times += [t, t + rng.uniform(0.05, 0.12)]
            groups += [group, 3]
            t += rng.gamma(4.0, mean_gap / 4)
        if rng.random() < 0.2:
            t += rng.uniform(0.3, 2.0)
    times_a = np.array(times)
    amps = np.where(np.array(groups) == 3, rng.uniform(0.2, 0.4, times_a.size), rng.uniform(0.6, 1.0, times_a.size))
    info.update(mechanical=mechanical, keys_per_second=1 / mean_gap)
    return ring_events(n, times_a, amps, kernels, np.array(groups), sr)


def footsteps(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """Footsteps: heel and toe of each step, walking (1.6-2.2 steps per second) or running, on a
    hard floor, carpet, gravel or snow, coming nearer, going away or passing."""
    running = rng.random() < 0.2
    rate = rng.uniform(2.6, 3.2) if running else rng.uniform(1.6, 2.2)
    surface = str(rng.choice(["hard", "soft", "gravel", "snow"]))
    thump = burst(rng, sr, 40, rng.uniform(150, 300), rng.uniform(0.02, 0.04), length=0.15)
    if surface == "hard":
        heel = thump + burst(rng, sr, 1000, 5000, rng.uniform(0.005, 0.015), length=0.15) * rng.uniform(0.5, 1.0)
    elif surface == "soft":
        heel = thump + burst(rng, sr, 300, 3000, 0.03, length=0.15) * 0.2
    else:  # gravel crunches in many small grains; snow in a squeaky band
        grains = np.zeros(int(0.2 * sr))
        for at in rng.uniform(0, 0.15, int(rng.integers(20, 50))):
            grain = burst(rng, sr, 1000 if surface == "gravel" else 1500, 6000 if surface == "gravel" else 4000, 0.002, 0.01)
            a = int(at * sr)
            grains[a : a + grain.size] += grain * rng.uniform(0.2, 1.0)
        heel = np.pad(thump, (0, grains.size - thump.size)) * 0.5 + grains / np.max(np.abs(grains))
    toe = heel[: int(0.1 * sr)] * 0.5
    period = 1 / rate
    steps = np.arange(-rng.uniform(0, period), n / sr, period)
    steps = steps + rng.normal(0, 0.03 * period, steps.size)
    t = np.arange(n) / sr
    path = str(rng.choice(["steady", "nearer", "away", "passing"]))
    distance = {"steady": np.ones(n), "nearer": 0.2 + 0.8 * t / t[-1], "away": 1.0 - 0.8 * t / t[-1],
                "passing": 0.2 + 0.8 * np.exp(-0.5 * ((t - rng.uniform(0.3, 0.7) * t[-1]) / 1.5) ** 2)}[path]
    times = np.concatenate([steps, steps + rng.uniform(0.06, 0.12)])
    groups = np.concatenate([np.zeros(steps.size, int), np.ones(steps.size, int)])
    y = ring_events(n, times, rng.uniform(0.7, 1.0, times.size), [heel, toe], groups, sr) * distance
    info.update(steps_per_second=rate, surface=surface, running=running)
    return y


#: Scenes of "ambience": the kinds that make them (the first always, then one or two of the rest).
SCENES = {
    "street": ("traffic", "crowd", "footsteps", "engine", "birds"),
    "park": ("birds", "wind", "crowd", "water", "footsteps"),
    "office": ("fan", "typing", "crowd", "beeps"),
    "night": ("insects", "wind", "water", "traffic"),
    "station": ("crowd", "engine", "beeps", "footsteps", "clicks"),
    "kitchen": ("hum", "water", "clicks", "machinery"),
}


def ambience(rng: np.random.Generator, n: int, sr: int, cond, info: dict) -> np.ndarray:
    """A scene: two or three kinds together at their own levels (:data:`SCENES`)."""
    scene = str(rng.choice(list(SCENES)))
    first, *rest = SCENES[scene]
    parts = [first] + [str(k) for k in rng.choice(rest, size=int(rng.integers(1, 3)), replace=False)]
    y = np.zeros(n)
    for i, kind in enumerate(parts):
        sound = NOISE_KINDS[kind].render(rng, n, sr, cond, {})
        y += sound / (rms(sound) + 1e-12) * 10 ** ((0.0 if i == 0 else -rng.uniform(3, 15)) / 20)
    info.update(scene=scene, parts=parts)
    return y


@dataclass(frozen=True)
class NoiseKind:
    """One kind of sound that is neither: its renderer and where it is heard.

    ``render(rng, n, sr, conditions, info)`` returns ``n`` dry samples at any scale and records
    what it drew in ``info``; ``outdoor`` kinds are rarely heard in a reverberant room.
    """

    render: Callable[..., np.ndarray]
    outdoor: bool = False


#: Every kind of noise, by name.
NOISE_KINDS: dict[str, NoiseKind] = {
    "white": NoiseKind(partial(signals.colour, exponent=0.0)),
    "pink": NoiseKind(partial(signals.colour, exponent=1.0)),
    "brown": NoiseKind(partial(signals.colour, exponent=2.0)),
    "hum": NoiseKind(signals.hum),
    "fan": NoiseKind(signals.fan),
    "static": NoiseKind(signals.static),
    "clicks": NoiseKind(signals.clicks),
    "sweep": NoiseKind(signals.sweep),
    "tone": NoiseKind(signals.tone),
    "dtmf": NoiseKind(signals.dtmf),
    "beeps": NoiseKind(signals.beeps),
    "siren": NoiseKind(signals.siren, outdoor=True),
    "engine": NoiseKind(signals.engine, outdoor=True),
    "machinery": NoiseKind(signals.machinery),
    "traffic": NoiseKind(signals.traffic, outdoor=True),
    "rain": NoiseKind(nature.rain, outdoor=True),
    "wind": NoiseKind(nature.wind, outdoor=True),
    "water": NoiseKind(nature.water, outdoor=True),
    "waves": NoiseKind(nature.waves, outdoor=True),
    "fire": NoiseKind(nature.fire),
    "thunder": NoiseKind(nature.thunder, outdoor=True),
    "birds": NoiseKind(nature.birds, outdoor=True),
    "insects": NoiseKind(nature.insects, outdoor=True),
    "applause": NoiseKind(applause),
    "crowd": NoiseKind(crowd),
    "typing": NoiseKind(typing),
    "footsteps": NoiseKind(footsteps),
    "ambience": NoiseKind(ambience, outdoor=True),
}


@dataclass
class NoisePlan:
    """What :func:`_dry_noise` drew: the kind, its details, and (later) the recording chain's draws."""

    kind: str
    details: dict = field(default_factory=dict)
    conditions: dict = field(default_factory=dict)


def _dry_noise(rng: np.random.Generator, n: int, sr: int, cond, kind: str | None = None,
               options: dict | None = None) -> tuple[np.ndarray, NoisePlan]:
    """A sound of ``kind`` (drawn with ``cond.noise_kinds`` when None), dry, at any scale.

    ``options`` fix some of what the kind's renderer would draw (its keyword arguments, e.g. a hum's
    ``mains``, a tone's ``frequency``, clicks' ``regular`` and ``rate``, applause's ``clappers``).
    """
    if kind is None:
        names = list(cond.noise_kinds)
        shares = np.array([cond.noise_kinds[name] for name in names], dtype=float)
        kind = names[int(rng.choice(len(names), p=shares / shares.sum()))]
    if kind not in NOISE_KINDS:
        raise ParameterError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")
    options = dict(options or {})
    accepted = [name for name, p in inspect.signature(NOISE_KINDS[kind].render).parameters.items()
                if p.kind is p.KEYWORD_ONLY and name != "exponent"]
    if set(options) - set(accepted):
        raise ParameterError(f"noise kind {kind!r} takes the options {', '.join(accepted) or 'none'}, "
                             f"got {', '.join(sorted(options))}")
    plan = NoisePlan(kind=kind)
    y = NOISE_KINDS[kind].render(rng, n, sr, cond, plan.details, **options)
    # A slow swell of a few dB: nothing heard in the world holds perfectly still (steady test signals aside).
    if kind not in ("tone", "sweep", "white", "pink", "brown", "dtmf"):
        y = y * 10 ** (2.0 * _wander(rng, n, 3) / 20)
    return np.asarray(y, dtype=np.float64), plan


def _silence(rng: np.random.Generator, n: int, sr: int, kind: str | None = None,
             level_db: float | None = None) -> tuple[np.ndarray, dict]:
    """A silence preset of ``kind`` (drawn when None) at ``level_db`` RMS dBFS (drawn in the kind's range)."""
    import scipy.signal

    kind = str(rng.choice(list(SILENCE_KINDS))) if kind is None else kind
    if kind not in SILENCE_KINDS:
        raise ParameterError(f"unknown silence kind {kind!r}; choose one of {', '.join(SILENCE_KINDS)}")
    span = SILENCE_KINDS[kind]
    if span is None:
        if level_db is not None:
            raise ParameterError("digital silence has no level (its samples are all zero)")
        return np.zeros(n), {"kind": kind, "level_db": None}
    level_db = rng.uniform(*span) if level_db is None else float(level_db)
    if not -140.0 <= level_db <= -20.0:
        raise ParameterError(f"a silence preset's level must lie in -140 to -20 dBFS, got {level_db}")
    if kind == "hiss":  # a device's noise floor: white to pink
        y = colored_noise(rng, n, rng.uniform(0.0, 1.0))
    else:  # a quiet room: dull air noise, a trace of distant traffic and hum
        air = scipy.signal.sosfilt(scipy.signal.butter(2, rng.uniform(300, 2000), "lowpass", fs=sr, output="sos"),
                                   colored_noise(rng, n, rng.uniform(1.0, 2.0)))
        t = np.arange(n) / sr
        y = air / rms(air) + bandpass_noise(rng, n, 30, 200, sr) * 0.3 \
            + np.sin(2 * np.pi * rng.choice([50.0, 60.0]) * t) * 10 ** (rng.uniform(-30, -10) / 20)
    return y / rms(y) * 10 ** (level_db / 20), {"kind": kind, "level_db": level_db}
