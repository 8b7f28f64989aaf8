"""Benchmark the intake cases of a large organisation: fuzzy team matching and a big xlsx.

1. **Team list**: 5,000 listed teams, 200,000 responses (40 a team), 2 % of the rows with a
   typo in the team name (one letter changed). ``read_responses(path, teams=...)`` is timed
   with no typos and with them (target: <= 5 s with typos), and the warning lines counted.
   Beside it, in the same run, the hint search of difflib (``get_close_matches``, the standard
   library's way) against rapidfuzz's (``process.extractOne``, what ``TeamList.closest``
   uses) on the same 200 unknown names: seconds per name, and the ratio.
2. **xlsx**: 100,000 responses x 36 items in one sheet (written once by openpyxl, kept with
   ``--keep``); ``read_responses`` is timed (target: <= 10 s), and the sheet read by
   python-calamine (what copro uses) beside pandas' openpyxl engine on its first 20,000 rows
   (``--openpyxl-rows``; the whole sheet takes minutes), per row and as a ratio.

Each measurement runs in a fresh interpreter; peak memory is its maximum resident set size.

Usage: ``python benchmarks/bench_intake.py [--keep DIR] [--skip-xlsx]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_TEAMS_S = 5.0
TARGET_XLSX_S = 10.0

MAKE_TEAMS = r"""
import sys, numpy as np, pandas as pd
from copro_scale.simulate import simulate
folder, typo_share = sys.argv[1], float(sys.argv[2])
rng = np.random.default_rng(7)
words = ["North", "South", "East", "West", "Central", "Acute", "Recovery", "Crisis", "Early",
         "Community", "Forensic", "Rehab", "Assertive", "Outreach", "Home", "Treatment", "Older",
         "Adult", "Youth", "Perinatal", "Eating", "Memory", "Liaison", "Psychosis", "Mood"]
names = set()
while len(names) < 5000:
    names.add(" ".join(rng.choice(words, 3, replace=False)) + " " + rng.choice(["Team", "Service", "Unit", "Ward"]))
names = sorted(names)
pd.DataFrame({"team": names}).to_csv(f"{folder}/teams.csv", index=False)
sim = simulate(5000, 40, seed=3).responses
codes = pd.factorize(sim["team"])[0]
team = np.array(names, dtype=object)[codes]
for k in np.flatnonzero(rng.random(len(team)) < typo_share):
    t = team[k]
    j = rng.integers(0, len(t))
    team[k] = t[:j] + ("x" if t[j] != "x" else "z") + t[j + 1:]
sim["team"] = team
sim.to_csv(f"{folder}/responses-{typo_share}.csv", index=False)
"""

READ_TEAMS = r"""
import resource, sys, time
from copro_scale import read_responses
t = time.perf_counter()
r = read_responses(sys.argv[1], teams=sys.argv[2])
print(time.perf_counter() - t, len(r.warnings), r.n_scored, len(r.exclusions),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

HINTS = r"""
import difflib, sys, time
import pandas as pd
from rapidfuzz import fuzz, process
from copro_scale.responses.teams import read_team_list, team_key
tl = read_team_list(sys.argv[2])
names = pd.read_csv(sys.argv[1], usecols=["team"])["team"].unique()
unknown = [n for n in names if tl.match(n) is None][:200]
keys = list(tl.keys)
t = time.perf_counter()
old = [difflib.get_close_matches(team_key(n), keys, n=1, cutoff=0.6) for n in unknown]
t_old = time.perf_counter() - t
t = time.perf_counter()
new = [process.extractOne(team_key(n), keys, scorer=fuzz.ratio, score_cutoff=60) for n in unknown]
t_new = time.perf_counter() - t
same = sum((o[0] if o else None) == (h[0] if h else None) for o, h in zip(old, new))
print(len(unknown), t_old, t_new, same)
"""

MAKE_XLSX = r"""
import sys
import openpyxl
import pandas as pd
from copro_scale.simulate import simulate
sim = simulate(2500, 40, seed=4).responses
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("Responses")
ws.append(list(sim.columns))
for row in sim.itertuples(index=False):
    ws.append([None if pd.isna(v) else (int(v) if isinstance(v, float) else v) for v in row])
wb.save(sys.argv[1])
"""

READ_XLSX = r"""
import resource, sys, time
what, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if what == "copro":
    from copro_scale import read_responses
    n = read_responses(path).n_read
elif what == "calamine":
    from copro_scale.responses.tables import read_excel
    n = len(read_excel(path, nrows=int(sys.argv[3])))
else:
    import pandas as pd
    n = len(pd.read_excel(path, engine="openpyxl", dtype=object, nrows=int(sys.argv[3])))
print(time.perf_counter() - t, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run(code: str, *args) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], check=True,
                         capture_output=True, text=True)
    return out.stdout.split()


def teams(folder: Path) -> None:
    for share in (0.0, 0.02):
        if not (folder / f"responses-{share}.csv").exists():
            run(MAKE_TEAMS, folder, share)
    print("team list: 5,000 teams, 200,000 responses")
    for share in (0.0, 0.02):
        secs, warnings, kept, excluded, rss = run(READ_TEAMS, folder / f"responses-{share}.csv",
                                                  folder / "teams.csv")
        print(f"  typos {share:4.0%}: read_responses(teams=...) {float(secs):6.2f} s, "
              f"{warnings} warning lines, {kept} kept + {excluded} unknown_team, "
              f"peak {int(rss) / 1024**2:.2f} GB"
              + (f"   (target <= {TARGET_TEAMS_S} s)" if share else ""))
    n, t_old, t_new, same = run(HINTS, folder / "responses-0.02.csv", folder / "teams.csv")
    n = int(n)
    print(f"  closest listed team for {n} unknown names: difflib {float(t_old) / n * 1e3:.1f} ms "
          f"a name, rapidfuzz {float(t_new) / n * 1e3:.2f} ms a name: ratio "
          f"{float(t_old) / float(t_new):.0f}x; same hint for {same} of {n}")


def xlsx(folder: Path, openpyxl_rows: int) -> None:
    path = folder / "responses-100k.xlsx"
    if not path.exists():
        t = time.perf_counter()
        run(MAKE_XLSX, path)
        print(f"wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.0f} s")
    secs, n, rss = run(READ_XLSX, "copro", path)
    print(f"xlsx 100,000 x 36: read_responses {float(secs):6.2f} s for {n} rows, peak "
          f"{int(rss) / 1024**2:.2f} GB   (target <= {TARGET_XLSX_S} s)")
    cal, n_cal, _ = run(READ_XLSX, "calamine", path, openpyxl_rows)
    opx, n_opx, _ = run(READ_XLSX, "openpyxl", path, openpyxl_rows)
    print(f"  first {openpyxl_rows:,} rows: python-calamine {float(cal):.2f} s, pandas+openpyxl "
          f"{float(opx):.2f} s: ratio {float(opx) / float(cal):.1f}x")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="folder to keep the generated files in")
    ap.add_argument("--skip-xlsx", action="store_true")
    ap.add_argument("--skip-teams", action="store_true")
    ap.add_argument("--openpyxl-rows", type=int, default=20_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"python {sys.version.split()[0]}")
        if not args.skip_teams:
            teams(folder)
        if not args.skip_xlsx:
            xlsx(folder, args.openpyxl_rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
