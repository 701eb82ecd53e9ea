"""The measurements as Markdown (docs/model-card-measurements.md)."""

from __future__ import annotations

import numpy as np

from speechmusic.apps.default_model.recipe import MIX_CONDITION

# --------------------------------------------------------------------------------- the report

def _no_nan(value):
    """``value`` with every NaN or infinity replaced by None (strict JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _f(value, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and not np.isfinite(value)) else f"{value:.{digits}f}"


def _table(headers: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


CONDITION_NOTES = {
    "clean": "the clips as they are",
    "noisy": "pink noise at 10 dB SNR",
    "telephone": "8 kHz, 300-3400 Hz, 8-bit mu-law",
    "snippet": "the middle second alone",
    MIX_CONDITION: "one mix per speech clip, music of another source at -5..-20 dB, labelled speech; "
                   "scored by models trained without both sources",
}


def _calibration_text(record: dict) -> str:
    if record.get("method") == "vector":
        a = ", ".join(_f(v, 3) for v in record["a"])
        b = ", ".join(_f(v, 3) for v in record["b"])
        return f"per label, a = ({a}), b = ({b}) (p = softmax(a z + b) from the model's scores z)"
    return f"a = {_f(record['a'], 4)}, b = {_f(record['b'], 4)} (p = sigmoid(a z + b) from the model's log-odds z)"


def _labels(m: dict) -> list[str]:
    return list(m.get("labels") or ["speech", "music"])


# long: one Markdown page written in the order it reads.
def measurements_markdown(m: dict) -> str:
    """The Markdown page of :func:`build_default_model`'s measurements (docs/model-card-measurements.md)."""
    conditions = m["conditions"]
    nested = m.get("calibration_nested", {}).get("conditions", {})
    data = m.get("data", {})
    labels = _labels(m)
    shown = [n for n in ("speech", "music", "noise") if n in labels] + [n for n in labels if n not in ("speech", "music", "noise")]
    lines = [
        "# Default model: measurements",
        "",
        "Written by the command below (`speechmusic build-model`); do not edit by hand: rebuild instead. "
        "How to read it: [model-card.md](model-card.md).",
        "",
        f"- Command: `{m.get('command') or 'speechmusic build-model'}` (speechmusic {m.get('package_version', '?')})",
        f"- Data: {data.get('real_clips')} real clips ("
        + ", ".join(f"{data.get('real_' + n)} {n}" for n in shown) + f") from {m.get('sources')} sources; "
        f"fingerprint `{str(data.get('fingerprint', ''))[:16]}`; synthetic generator version "
        f"{data.get('synthetic_generator_version')}",
        "- Training windows: " + "; ".join(f"{part} " + ", ".join(f"{v.get(n, 0)} {n}" for n in shown)
                                           for part, v in m.get("pool", {}).items()),
        f"- Calibration of the shipped model: {_calibration_text(m['calibration'])}",
        "",
        "## Leave-one-source-out",
        "",
        f"Each of the {m['sources']} sources held out in turn; the model trained by the whole recipe without it "
        "(and without every mix or copy made from it) scores its clips as `predict` does (3-s windows, the clip's "
        "probabilities the mean of its windows'; its label the most probable). Balanced accuracy = mean of the "
        "recalls of the labels; *own* = the model's own probabilities, *calibrated* = with a calibration fitted "
        "without the held-out source (nested)"
        + ("." if nested else ": **not measured in this run** (`--no-nested-calibration`; the calibrated columns "
           "show –)."),
        "",
    ]
    rows = []
    for name, c in conditions.items():
        s = c["summary"]
        after = nested.get(name, {})
        right = [f"{s[n + '_right']}/{s[n + '_clips']}" if n + "_clips" in s else "–" for n in shown]
        if name == MIX_CONDITION:  # speech only: the balanced accuracy is the speech recall
            rows.append([name, CONDITION_NOTES.get(name, ""), s["clips"], f"{_f(s['speech_recall'])} (speech recall)",
                         f"{_f(after.get('speech_recall_after'))} (speech recall)", "–", *right,
                         f"{_f(s['window_balanced_accuracy'])} (recall)"])
            continue
        rows.append([name, CONDITION_NOTES.get(name, ""), s["clips"], _f(s["balanced_accuracy"]),
                     _f(after.get("balanced_accuracy_after")), _f(s["auc"]), *right, _f(s["window_balanced_accuracy"])])
    lines += _table(["Condition", "What", "Recordings", "Balanced acc. (own)", "Balanced acc. (calibrated)", "AUC",
                     *[f"{n.capitalize()} right" for n in shown], "Window balanced acc. (own)"], rows)
    if "confusion" in conditions.get("clean", {}):
        confusion = conditions["clean"]["confusion"]
        verdicts = list(next(iter(confusion.values())).keys()) if confusion else []
        lines += ["", "### Confusion matrix (clean, own probabilities; rows: true label, columns: labelled as)", ""]
        lines += _table(["True", *verdicts], [[t, *[row[v] for v in verdicts]] for t, row in confusion.items()])
    # per category: right counts per condition
    names = [n for n in conditions if n != MIX_CONDITION]
    keys = []
    for row in conditions[names[0]]["category"]:
        keys.append((row["label"], row["category"], row["clips"]))
    by = {n: {(r["label"], r["category"]): r["right"] for r in conditions[n]["category"]} for n in names}
    lines += ["", "### Per category (recordings right, own probabilities)", ""]
    lines += _table(["Label", "Category", "Clips"] + names,
                    [[label, category or "–", clips] + [by[n].get((label, category), "–") for n in names]
                     for label, category, clips in keys])
    if MIX_CONDITION in conditions:
        lines += ["", "### Speech over music by level (recordings labelled speech, own probabilities)", ""]
        by_level = sorted(conditions[MIX_CONDITION]["category"],
                          key=lambda r: -float(r["category"].replace("speech over music ", "").replace(" dB", "")))
        lines += _table(["Level", "Mixes", "Labelled speech", "Share"],
                        [[r["category"].replace("speech over music ", ""), r["clips"], r["right"], _f(r["accuracy"])]
                         for r in by_level])
    lines += ["", "### Speech per language (clean, own probabilities)", ""]
    lines += _table(["Language", "Clips", "Right"],
                    [[r["language"] or "–", r["clips"], r["right"]] for r in conditions["clean"]["language"]
                     if r["label"] == "speech"])
    lines += ["", "### Recordings labelled wrong (own probabilities)", ""]
    for name, c in conditions.items():
        wrong = "; ".join(
            f"`{w['id']}` ({w['label']} → {w['predicted']}, {w['category']}"
            + ("" if not w.get("probabilities") else ", " + ", ".join(f"p({k}) {v}" for k, v in w["probabilities"].items()))
            + ")" for w in c["wrong"]) or "none"
        lines.append(f"- {name}: {wrong}")
    if nested:
        cn = m["calibration_nested"]
        lines += [
            "", "## Calibration, measured nested", "",
            "For each held-out source (and each held-out pair of sources of the mixes) the calibration is fitted "
            "exactly as the shipped one, on the other sources only (their leave-one-source-out scores and "
            "leave-pair-out mixes), and applied to the held-out recordings. ECE = expected calibration error "
            "(10 equal bins, weighted by how many predictions each holds; 0 is perfect), each label measured against "
            "the rest and the figures averaged over the labels (a two-label model: speech); window = each 3-s window, "
            "clip = each recording's mean probabilities. Fitted slopes a from "
            f"{_f(cn['a_range'][0])} to {_f(cn['a_range'][1])}, offsets b from {_f(cn['b_range'][0])} to "
            f"{_f(cn['b_range'][1])}.", "",
        ]
        rows = []
        for name, c in nested.items():
            b, a = c["before"], c["after"]
            rows.append([name, f"{_f(b['window']['ece'])} → {_f(a['window']['ece'])}",
                         f"{_f(b['clip']['ece'])} → {_f(a['clip']['ece'])}",
                         f"{_f(b['window']['log_loss'])} → {_f(a['window']['log_loss'])}",
                         f"{_f(b['window']['brier'])} → {_f(a['window']['brier'])}",
                         f"{_f(c['balanced_accuracy_before'])} → {_f(c['balanced_accuracy_after'])}"
                         + (" (speech recall)" if name == MIX_CONDITION else "")])
        lines += _table(["Condition", "ECE, windows (own → calibrated)", "ECE, recordings", "Log loss, windows",
                         "Brier, windows", "Balanced accuracy"], rows)
        for name in ("clean", MIX_CONDITION, "noisy"):
            if name not in nested:
                continue
            for level in ("window", "clip"):
                for label, table in nested[name]["before"][level]["reliability"].items():
                    b = {(r["low"], r["high"]): r for r in table}
                    a = {(r["low"], r["high"]): r for r in nested[name]["after"][level]["reliability"].get(label, [])}
                    lines += ["", f"Reliability, {name}, {level}s (predicted p({label}) bin: count, mean predicted, "
                                  f"share that is {label}):", ""]
                    rows = []
                    for key in sorted(set(b) | set(a)):
                        cells = []
                        for part in (b, a):
                            r = part.get(key)
                            cells.append("–" if r is None else f"{r['count']}: {_f(r['mean_probability'])} vs "
                                                               f"{_f(r['observed'])}")
                        rows.append([f"{key[0]:.1f}-{key[1]:.1f}"] + cells)
                    lines += _table(["Bin", "own", "calibrated"], rows)
    families = data.get("licence_families", {})
    if families:
        lines += ["", "## Data licences (real clips)", ""]
        lines += _table(["Licence family", "Clips"], [[k, v] for k, v in families.items()])
    return "\n".join(lines) + "\n"
