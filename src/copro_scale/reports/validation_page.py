"""The validation page and the terminal's headline: the battery's results formatted for people.

:func:`validation_context` turns the validation result (``ValidationResult.to_dict()``) into
plain, already formatted rows for ``validation.html``: labels instead of column names, whole
numbers as whole numbers, yes/no instead of 1.000, p-values as "< .001". :func:`headline` gives
the five-line verdict that ``copro validate`` prints.
"""

from __future__ import annotations

from datetime import date

from .. import __version__
from ..instrument import Instrument
from ..render import fmt, pct
from .content import CONSTRUCT_LABELS, FACE_LABELS

#: Invariance table columns shown, with their labels and number of decimals (None: whole number;
#: "p": a p-value; "yes/no": a flag).
INVARIANCE_COLUMNS = (("chisq", "χ²", 1), ("df", "df", None), ("cfi", "CFI", 3),
                      ("rmsea", "RMSEA", 3), ("srmr", "SRMR", 3), ("delta_cfi", "ΔCFI", 3),
                      ("delta_rmsea", "ΔRMSEA", 3), ("chisq_diff", "Δχ²", 1),
                      ("df_diff", "Δdf", None), ("pvalue_diff", "p", "p"),
                      ("converged", "Converged", "yes/no"))
ITEM_COLUMNS = (("n", "n", None), ("mean", "Mean", 2), ("sd", "SD", 2),
                ("r_drop", "r (drop)", 2), ("alpha_if_deleted", "Alpha if deleted", 2),
                ("floor", "Floor", "%"), ("ceiling", "Ceiling", "%"))
VERDICT_WORDS = {"meets": "meets", "below": "below", "caution": "check", "n/a": "not estimable",
                 "good": "good", "very good": "very good", "adequate": "adequate",
                 "inadequate": "inadequate", "not converged": "not converged"}


def p_text(p) -> str:
    """A p-value for people: "< .001", or three decimals without the leading zero.

    Examples
    --------
    >>> p_text(0.0), p_text(0.0345), p_text(None)
    ('< .001', '.035', '–')
    """
    v = fmt(p, 3)
    if v == "–":
        return v
    return "< .001" if float(p) < 0.001 else v.replace("0.", ".", 1)


def _p_relation(p) -> str:
    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"


def number(value, kind) -> str:
    """A table value formatted by its kind (decimals, whole number, p, yes/no, percent).

    Examples
    --------
    >>> number(1116.0, None), number(1.0, "yes/no"), number(0.1234, 3), number(0.25, "%")
    ('1116', 'yes', '0.123', '25%')
    """
    if kind is None:
        v = fmt(value, 0)
        return v
    if kind == "p":
        return p_text(value)
    if kind == "yes/no":
        return "–" if value is None else ("yes" if bool(value) else "no")
    if kind == "%":
        return pct(value)
    return fmt(value, kind)


def scale_label(name: str) -> str:
    """``voice.decision_making`` -> "Voice × decision-making"; a face or construct by its label.

    Examples
    --------
    >>> scale_label("voice.decision_making"), scale_label("ideological")
    ('Voice × decision-making', 'Ideological')
    """
    if "." in name:
        c, f = name.split(".", 1)
        return f"{CONSTRUCT_LABELS.get(c, c)} × {FACE_LABELS.get(f, f).lower()}"
    return {**FACE_LABELS, **CONSTRUCT_LABELS}.get(name, name.replace("_", " "))


def _table(frame: dict | None, columns) -> dict | None:
    """A ``{index, columns, data}`` table as labelled, formatted rows (columns that exist only)."""
    if not frame:
        return None
    cols = list(frame["columns"])
    shown = [(cols.index(key), label, kind) for key, label, kind in columns if key in cols]
    rows = [{"label": str(idx), "cells": [{"label": lab, "value": number(row[i], kind)}
                                         for i, lab, kind in shown]}
            for idx, row in zip(frame["index"], frame["data"])]
    return {"headers": [lab for _, lab, _ in shown], "rows": rows}


def _form(sec: dict) -> dict:
    out = {"n": sec.get("n"), "skipped": sec.get("skipped"), "factor_skipped": sec.get("factor_skipped"),
               "cfa_skipped": sec.get("cfa_skipped")}
    if sec.get("skipped"):
        return out
    out["reliability"] = [{
        "scale": scale_label(s["scale"]), "kind": s["kind"], "n_items": s["n_items"], "alpha": fmt(s["alpha"]),
        "ci": f"{fmt(s['alpha_ci'][0])} to {fmt(s['alpha_ci'][1])}",
        "mean_r": fmt(s["mean_inter_item_r"]), "mean_r_ok": s["mean_r_in_range"],
        "weak": ", ".join(s["items_below_r_drop"]) or "none",
        "verdict": VERDICT_WORDS.get(s["verdict"], s["verdict"]), "verdict_class": s["verdict"].replace(" ", "-").replace("/", "-"),
        "meaning": s["meaning"], "item_table": _table(s.get("item_stats"), ITEM_COLUMNS)}
        for s in sec["reliability"]]
    if not sec.get("factor_skipped"):
        b = sec["bartlett"]
        out.update(
            omega_h=fmt(sec["omega"]["omega_h"]), omega_total=fmt(sec["omega"]["omega_total"]),
            kmo=fmt(sec["kmo"]["overall"]), kmo_verdict=sec["kmo"]["verdict"],
            kmo_meaning=sec["kmo"]["meaning"], bartlett=f"χ²({int(b['df'])}) = {fmt(b['chi2'], 1)}, "
            f"p {_p_relation(b.get('pvalue', b.get('p')))}",
            bartlett_verdict=b["verdict"], n_parallel=sec["parallel_analysis"]["n_factors"],
            n_iter=sec["parallel_analysis"].get("n_iter", ""), n_map=sec["map"]["n_factors"],
            efa_factors=sec["efa"]["n_factors"], efa_meaning=sec["efa"].get("meaning", ""),
            efa_converged=sec["efa"]["converged"], efa_warning=sec["efa"].get("warning") or "",
            loadings=_table(sec["efa"]["loadings"],
                            [(c, c, 2) for c in sec["efa"]["loadings"]["columns"]]))
    out["cfa_sample"] = sec.get("cfa_sample")
    out["cfa"] = [{"model": m["model"], "converged": m["converged"], "chisq": fmt(m.get("chisq"), 1),
                       "df": fmt(m.get("df"), 0), "cfi": fmt(m.get("cfi"), 3), "tli": fmt(m.get("tli"), 3),
                       "rmsea": f"{fmt(m.get('rmsea'), 3)} ({fmt(m.get('rmsea_ci_lower'), 3)} to "
                             f"{fmt(m.get('rmsea_ci_upper'), 3)})",
                       "srmr": fmt(m.get("srmr"), 3), "aic": fmt(m.get("aic"), 1), "bic": fmt(m.get("bic"), 1),
                       "verdict": m["verdict"], "verdict_class": m["verdict"].replace(" ", "-"),
                       "meaning": m.get("meaning", "")}
                  for m in sec.get("cfa") or []]
    return out


def _agreement_row(face: str, a: dict) -> dict:
    """One face's agreement for the page: the reason when not computed; a negative ICC(2) (or
    none: every team mean alike) flagged as no agreement within teams beyond chance."""
    if a.get("skipped"):
        return {"face": scale_label(face), "skipped": a["skipped"], "negative": False}
    icc2 = a["icc2"]
    return {"face": scale_label(face), "skipped": "", "n_teams": fmt(a.get("n_teams"), 0),
            "icc1": fmt(a["icc1"]), "icc2": fmt(icc2), "negative": icc2 is None or icc2 < 0,
            "rwg": fmt(a["median_rwg_j"]), "rwg_share": pct(a["share_rwg_j_meets"]),
            "ad": fmt(a["median_ad_j"]), "ad_share": pct(a["share_ad_j_meets"])}


def validation_context(doc: dict, instrument: Instrument) -> dict:
    """Everything ``validation.html`` shows, formatted; ``doc`` is the written JSON document."""
    inv = doc.get("invariance", {})
    invariance = {"skipped": inv.get("skipped"), "meaning": inv.get("meaning", ""),
                      "table": _table(inv.get("table"), INVARIANCE_COLUMNS),
                      "steps": [{"step": s["step"], "delta_cfi": fmt(s["delta_cfi"], 3),
                                  "delta_rmsea": fmt(s["delta_rmsea"], 3), "holds": s["holds"]}
                             for s in inv.get("steps", [])]}
    agr = doc.get("agreement", {})
    agreement = {"skipped": agr.get("skipped"), "n_teams": agr.get("n_teams"),
                     "below": agr.get("teams_below_threshold"), "note": agr.get("note", ""),
                     "faces": [_agreement_row(f, a) for f, a in agr.get("faces", {}).items()]}
    agreement["negative"] = any(a.get("negative") for a in agreement["faces"])
    sample = doc.get("sample", {})
    meta = {"organisation": f"Validation of {instrument.short_title} v{instrument.version}",
                "wave": f"{sample.get('analysed', '–')} responses analysed",
                "instrument": f"{instrument.title} ({instrument.name}) v{instrument.version}",
                "package": f"copro-scale {__version__}", "date": f"{date.today():%d %B %Y}".lstrip("0"),
                "input_hash": doc.get("meta", {}).get("input_sha256", "")[:16],
                "citation": instrument.citation}
    contents = [{"id": i, "label": label} for i, label in (
        ("headline-h", "In five lines"), ("cutoffs-h", "Cut-offs used"),
        *((f"form-{form}-h", instrument.forms[form].title) for form in doc["forms"]),
        ("invariance-h", "Invariance between forms"), ("agreement-h", "Agreement within teams"))]
    return {"meta": meta, "instrument": instrument, "cutoffs": doc["cutoffs"], "contents": contents,
                "estimation": doc.get("estimation", {}).get("text", ""),
                "forms": [dict(_form(sec), id=form, title=instrument.forms[form].title)
                       for form, sec in doc["forms"].items()],
                "invariance": invariance, "agreement": agreement, "sample": sample,
                "headline": headline(doc, instrument)}


def headline(doc: dict, instrument: Instrument) -> list[str]:
    """The five-line verdict ``copro validate`` prints: sample, reliability, structure,
    invariance, agreement.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> doc = {"sample": {"analysed": 10, "excluded": 0, "flagged_careless_left_out": 1},
    ...        "forms": {"psw": {"n": 4, "skipped": "too few"}}, "invariance": {"skipped": "x"},
    ...        "agreement": {"skipped": "y"}}
    >>> len(headline(doc, load_instrument()))
    5
    """
    s = doc.get("sample", {})
    left = []
    if "excluded" in s:
        left.append(f"{s['excluded']} excluded on reading")
    if s.get("withheld"):
        left.append(f"{s['withheld']} withheld")
    if "below_threshold_left_out" in s:  # a count would give the hidden teams away
        left.append(f"{s['below_threshold_left_out']} from below-threshold teams left out")
    left.append(f"{s.get('flagged_careless_left_out', 0)} careless left out")
    lines = [(f"{instrument.short_title} v{instrument.version}: {s.get('analysed', '–')} responses "
             f"analysed ({', '.join(left)}).")]
    rel, struct = [], []
    for form, sec in doc.get("forms", {}).items():
        if sec.get("skipped"):
            rel.append(f"{form} form not analysed")
            continue
        ok = sum(r["verdict"] in ("meets", "caution") for r in sec["reliability"])
        rel.append(f"{form} form {ok} of {len(sec['reliability'])} scores alpha >= .70")
        if sec.get("cfa"):
            best = sec["cfa"][0]
            struct.append(f"{form} form: {best['model']} {best['verdict']} (CFI {fmt(best.get('cfi'), 3)}, "
                          f"RMSEA {fmt(best.get('rmsea'), 3)})")
        else:
            struct.append(f"{form} form: CFA not estimated (too few complete responses)")
    lines.append("Reliability: " + "; ".join(rel) + ".")
    lines.append("Structure: " + ("; ".join(struct) or "not tested") + ".")
    inv = doc.get("invariance", {})
    lines.append("Invariance between forms: " + ("not tested" if inv.get("skipped") else
                 inv.get("meaning", "").rstrip(".")) + ".")
    agr = doc.get("agreement", {})
    computed = [a for a in agr.get("faces", {}).values() if not a.get("skipped")]
    icc2 = [a["icc2"] for a in computed if a["icc2"] is not None]
    if agr.get("skipped") or not icc2:
        lines.append("Agreement within teams: not computed.")
    else:
        teams = sorted(a.get("n_teams", agr["n_teams"]) for a in computed)
        over = f"{teams[0]}" if teams[0] == teams[-1] else f"{teams[0]} to {teams[-1]}"
        left = len(agr["faces"]) - len(icc2)
        lines.append(f"Agreement within teams: ICC(2) {fmt(min(icc2))} to {fmt(max(icc2))} over "
                     f"{over} teams (.70 or more: team means can be compared"
                     + ("; below 0: no agreement within teams" if min(icc2) < 0 else "") + ")"
                     + (f"; {left} face(s) not computed." if left else "."))
    return lines
