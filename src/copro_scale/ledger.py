"""The publication ledger: who each run published in which set, per input, across runs.

A run's figures are sums over sets of respondents: a team, a team's form, the organisation (its
pooled teams), the organisation's form, a service (a team list's ``parent`` path). Two runs on the
same input whose sets differ by 1 to k-1 people give those people's answers by subtraction (the
same file reported without and with a team list that moves a lone PSW into a team, or that
leaves them out as an unknown team, or that moves a hidden team to another service). Each
``copro report`` and ``copro validate`` records, keyed by the SHA-256 of its input, the
membership it published; a later run on the same input whose sets differ from a recorded run's
by 1 to k-1 people in either direction is refused, naming the sets.

The ledger holds salted hashes of response ids (HMAC-SHA-256 with a random salt per input, first
16 hex digits), team names, forms, service paths and the run's date and output folder: never an
answer. Its files give team sizes, so keep them as the raw export is kept (docs/privacy.md).

Location (:func:`state_dir`): ``--state-dir``, else ``$COPRO_STATE_DIR``, else
``$XDG_STATE_HOME/copro``, else ``~/.local/state/copro``; one file per input,
``ledger/<sha256>.json``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .errors import CoproError

__all__ = ["STATE_ENV", "Membership", "check_and_record", "id_fingerprint", "membership", "moves",
           "published_sets", "state_dir", "unsafe_differences"]

#: Environment variable overriding the state directory.
STATE_ENV = "COPRO_STATE_DIR"
#: The option that records a new publication after the earlier outputs were withdrawn.
NEW_PUBLICATION = "--new-publication"

#: ``{"teams": {team: {form: [id hash, ...]}}, "pooled": [team, ...], "parents": {team: path}
#: or None, "left_out": [id hash, ...]}``: what one run published, as stored; ``left_out`` are
#: the rows of its wave left out at reading (an unknown team, unfinished, ...).
#: Rows of another wave of the same file are in neither, so two waves of one file are compared
#: only over the people both read.
Membership = dict


def state_dir(option: str | Path | None = None) -> Path:
    """The per-user state directory: ``option``, ``$COPRO_STATE_DIR``, ``$XDG_STATE_HOME/copro``
    or ``~/.local/state/copro``, in that order.

    Examples
    --------
    >>> str(state_dir("/tmp/x"))
    '/tmp/x'
    """
    if option:
        return Path(option)
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "state") / "copro"


def id_fingerprint(responses) -> str:
    """SHA-256 of the sorted response ids read (rows kept and left out alike): the key of an
    input that cannot be read twice (standard input, a pipe), the same whatever the team list.

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> len(id_fingerprint(read_responses(simulate(2, 5, seed=1).responses)))
    64
    """
    ids = sorted({*map(str, responses.data["response_id"]),
                  *map(str, responses.exclusions["response_id"])})
    return hashlib.sha256(("ids\n" + "\n".join(ids)).encode()).hexdigest()


def _hash(salt: str, rid: str) -> str:
    return hmac.new(bytes.fromhex(salt), rid.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def membership(responses, k: int, salt: str, *, parents: bool) -> Membership:
    """The sets a run publishes, from its responses (after team-list matching) and threshold.

    Parameters
    ----------
    responses : Responses
        The rows read, ``data`` with ``response_id``, ``team`` and ``form``; ``team_list`` with
        a ``parent`` column when the team list gives one.
    k : int
        The run's threshold; which teams the organisation pools follows the instrument's
        promise whatever ``k`` (:func:`copro_scale.privacy.plan_for`).
    salt : str
        Hex salt of the input's ledger file.
    parents : bool
        Whether the run publishes service figures (``copro report``); None is stored otherwise.

    Returns
    -------
    dict
        :data:`Membership`. Rows left out at reading (unknown team, unfinished, ...) are in no
        set (``left_out``): their absence is what a later run's sets are compared with.
    """
    from .privacy import plan_for

    data = responses.data
    plan = plan_for(data, responses.instrument, k)
    teams: dict[str, dict[str, list[str]]] = {}
    for (team, form), part in data.groupby([data["team"].astype(str), data["form"].astype(str)],
                                           sort=True):
        teams.setdefault(team, {})[form] = sorted(_hash(salt, str(r)) for r in part["response_id"])
    tree = None
    if parents:
        tree = {}
        tl = responses.team_list
        if tl is not None and "parent" in tl.columns:
            tree = {str(t): str(p) for t, p in zip(tl["team"], tl["parent"])
                    if not pd.isna(p) and str(p).strip() and str(t) in teams}
    ex = responses.exclusions
    ex = ex[ex["reason"].astype(str) != "other_wave"]  # another wave of the file: not this input's
    left_out = sorted(_hash(salt, str(r)) for r in ex["response_id"])
    return {"teams": teams, "pooled": sorted(map(str, plan.organisation_teams)), "parents": tree,
            "left_out": left_out}


def published_sets(m: Membership) -> dict[str, frozenset]:
    """Every set a membership publishes figures over, by a name a reader understands.

    Examples
    --------
    >>> m = {"teams": {"A": {"psw": ["a"], "colleague": ["b", "c"]}, "B": {"psw": ["d"]}},
    ...      "pooled": ["A"], "parents": {"A": "North > Acute"}}
    >>> {k: sorted(v) for k, v in published_sets(m).items()}["service 'North'"]
    ['a', 'b', 'c']
    >>> sorted(published_sets(m)["the organisation, psw"])
    ['a']
    """
    out: dict[str, set] = {}
    for team, forms in m["teams"].items():
        for form, ids in forms.items():
            out.setdefault(f"team '{team}'", set()).update(ids)
            out.setdefault(f"team '{team}', {form}", set()).update(ids)
            if team in m["pooled"]:
                out.setdefault("the organisation", set()).update(ids)
                out.setdefault(f"the organisation, {form}", set()).update(ids)
    for team, path in (m["parents"] or {}).items():
        levels = [x.strip() for x in path.split(">")]
        for d in range(len(levels)):
            ids = [i for f in m["teams"].get(team, {}).values() for i in f]
            out.setdefault(f"service '{' > '.join(levels[:d + 1])}'", set()).update(ids)
    return {name: frozenset(ids) for name, ids in out.items()}


def _universe(m: Membership) -> frozenset:
    """Everyone the run read for its wave: in a team, or left out at reading."""
    return frozenset([*(i for forms in m["teams"].values() for ids in forms.values() for i in ids),
                      *m.get("left_out", [])])


def unsafe_differences(old: Membership, new: Membership, k: int) -> list[tuple[str, int]]:
    """Sets both runs publish whose members differ by 1 to k-1 people either way.

    A set one run publishes and the other does not is not compared (nothing to subtract it from);
    service sets are compared only when both runs published services.

    Examples
    --------
    >>> a = {"teams": {"A": {"psw": ["x"], "colleague": list("bcdef")}}, "pooled": ["A"],
    ...      "parents": None}
    >>> b = {"teams": {"A": {"colleague": list("bcdef")}}, "pooled": ["A"], "parents": None,
    ...      "left_out": ["x"]}
    >>> unsafe_differences(a, b, 5)
    [("team 'A'", 1), ('the organisation', 1)]
    """
    both = _universe(old) & _universe(new)  # two waves of one file share nobody
    one, two = ({n: v & both for n, v in published_sets(m).items()} for m in (old, new))
    bad = []
    for name in sorted(set(one) & set(two)):
        for moved in (len(one[name] - two[name]), len(two[name] - one[name])):
            if 0 < moved < k:
                bad.append((name, moved))
                break
    return bad


def moves(old: Membership, new: Membership) -> list[str]:
    """The teams whose people the two runs place differently: "'A' -> 'B' (1)", "'A' -> left
    out (1)", or "'A' (1, another service)" when only the service differs.

    Examples
    --------
    >>> a = {"teams": {"Wrd": {"psw": ["x"]}, "Ward": {"psw": ["y"]}}, "pooled": [],
    ...      "parents": None}
    >>> b = {"teams": {"Ward": {"psw": ["x", "y"]}}, "pooled": [], "parents": None}
    >>> moves(a, b)
    ["'Wrd' -> 'Ward' (1)"]
    """
    from collections import Counter

    def where(m):
        return {i: (t, (m["parents"] or {}).get(t)) for t, fs in m["teams"].items()
                for ids in fs.values() for i in ids}

    one, two = where(old), where(new)
    out: Counter = Counter()
    for i in _universe(old) & _universe(new):
        (t1, p1), (t2, p2) = one.get(i, (None, None)), two.get(i, (None, None))
        if t1 != t2:
            out[f"'{t1}'" if t1 else "left out", f"'{t2}'" if t2 else "left out"] += 1
        elif p1 != p2 and old["parents"] is not None and new["parents"] is not None:
            out[f"'{t1}'", "another service"] += 1
    return [f"{a} ({n}, {b})" if b == "another service" else f"{a} -> {b} ({n})"
            for (a, b), n in sorted(out.items())]


@contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path``'s lock file for the check and the record (two runs at once
    cannot both pass the check)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # team sizes: the user's only
    with open(path.with_suffix(".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def check_and_record(responses, fingerprint: str, *, k: int, command: str, output: str | Path,
                     parents: bool, state: str | Path | None = None,
                     new_publication: bool = False) -> Path:
    """Refuse a run whose published sets differ from a recorded run's on the same input by 1 to
    k-1 people; otherwise record its membership. Returns the ledger file.

    ``new_publication`` drops the input's earlier records first (their outputs withdrawn).

    Raises
    ------
    CoproError
        Naming the sets, how many people they would differ by, and the earlier run.
    """
    path = state_dir(state) / "ledger" / f"{fingerprint}.json"
    with _locked(path):
        doc = {"input_sha256": fingerprint, "salt": secrets.token_hex(16), "records": []}
        if path.exists():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise CoproError(f"cannot read the publication ledger ({err}); restore it or "
                                 f"move it away and pass {NEW_PUBLICATION}", file=path) from None
        if new_publication:
            doc["records"] = []
        mine = membership(responses, k, doc["salt"], parents=parents)
        when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        run = {"date": when, "command": command, "output": str(Path(output).resolve()), "k": k}
        same = None
        for rec in doc["records"]:
            bad = unsafe_differences(rec["membership"], mine, max(k, int(rec["k"])))
            if bad:
                first = rec["runs"][0]
                sets = ", ".join(f"{name} ({n})" for name, n in bad)
                moved = "; ".join(moves(rec["membership"], mine))
                raise CoproError(
                    f"the sets this run would publish differ by fewer than "
                    f"{max(k, int(rec['k']))} people from those of the {first['command']} of "
                    f"{first['date']} in {first['output']} on the same input: {sets}; people "
                    f"moved: {moved}. Side by side, the figures would give those people's "
                    f"answers. Use the same team list as that run, or pass {NEW_PUBLICATION} "
                    f"after withdrawing those outputs", field="--teams")
            if rec["membership"] == mine:
                same = rec
        if same is not None:
            same["runs"].append(run)
            same["k"] = max(int(same["k"]), k)
        else:
            doc["records"].append({"membership": mine, "k": k, "runs": [run]})
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.chmod(0o600)
        os.replace(tmp, path)
    return path
