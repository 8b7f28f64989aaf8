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

3. **A wide Qualtrics export**: 100,000 responses with 300 extra text columns (``--wide-extra``);
   the peak memory of ``read_responses`` beside that of reading every column as text with
   pandas (``read_csv(dtype=str)``, what a reader that keeps every column holds), as a ratio.

4. **A large canonical file** (``--big-rows``, default 15,600,000 rows: 2.1 GB, simulated
   responses of 100,000 people repeated under new ids): ``copro score FILE -o scores.csv
   --exclusions excl.csv`` (read in blocks, :mod:`copro_scale.responses.chunked`), its peak
   memory and time beside the whole-file read (``read_responses`` then ``score``) on its first
   ``--whole-rows`` rows (default 2,000,000; both write the same scores, checked), and the
   peak per million rows of each. Skipped
   with ``--skip-big``; the file is deleted afterwards unless ``--keep`` is given.

5. **A large Qualtrics export** (``--qualtrics-gb``, default 1.2 GB: 530,000 rows, written to
   ``qualtrics-1.2gb.csv`` in the folder): three header rows as Qualtrics writes them, its
   17 metadata columns (identifying ones among them: IP address, recipient, location), team,
   role, the 36 items and 500 extra questions (``--qualtrics-extra``; 90 % choice codes,
   10 % free text), one row in 997 a preview and one in 331 unfinished.
   ``copro score FILE -o scores.csv --exclusions excl.csv`` (read in blocks: the file is at
   least ``STREAM_BYTES``, 128 MB; a smaller one, ``--qualtrics-gb 0.1``, is read whole, and the
   line says "read whole") beside the whole
   read (``--format qualtrics`` without blocks: ``copro score`` with ``STREAM_BYTES`` out of
   reach); both must write the same files (checked). Skipped with ``--skip-qualtrics``.

Each measurement runs in a fresh interpreter; peak memory is its maximum resident set size.
Wall seconds and the process's CPU seconds are both printed: on a shared machine the wall time
grows with the load, and the CPU time says what the work costs.

Usage: ``python benchmarks/bench_intake.py [--keep DIR] [--skip-teams] [--skip-xlsx]
[--skip-wide] [--skip-big] [--big-rows N] [--skip-qualtrics] [--qualtrics-gb GB]``
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
t, c = time.perf_counter(), time.process_time()
r = read_responses(sys.argv[1], teams=sys.argv[2])
print(time.perf_counter() - t, len(r.warnings), r.n_scored, len(r.exclusions),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time() - c)
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
t, c = time.perf_counter(), time.process_time()
if what == "copro":
    from copro_scale import read_responses
    n = read_responses(path).n_read
elif what == "calamine":
    from copro_scale.responses.tables import read_excel
    n = len(read_excel(path, nrows=int(sys.argv[3])))
else:
    import pandas as pd
    n = len(pd.read_excel(path, engine="openpyxl", dtype=object, nrows=int(sys.argv[3])))
print(time.perf_counter() - t, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      time.process_time() - c)
"""


MAKE_WIDE = r"""
import csv, sys
import pandas as pd
from copro_scale import load_instrument
from copro_scale.simulate import simulate
path, extra = sys.argv[1], int(sys.argv[2])
inst = load_instrument()
sim = simulate(2500, 40, seed=5).responses
meta = ["StartDate", "Status", "Finished", "ResponseId", "team", "role"]
others = [f"Q{k}" for k in range(extra)]
with open(path, "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(meta + inst.item_ids + others)
    w.writerow(["Start Date", "Response Type", "Finished", "Response ID", "Team", "Role"]
               + inst.item_ids + [f"Question {k}" for k in range(extra)])
    w.writerow(['{"ImportId":"startDate"}'] * (len(meta) + len(inst.item_ids) + extra))
    filler = [f"free text answer {k}" for k in range(extra)]
    for rec in sim.itertuples(index=False):
        rec = rec._asdict()
        w.writerow(["2026-01-01", "0", "1", rec["response_id"], rec["team"], rec["role"]]
                   + ["" if pd.isna(rec[i]) else int(rec[i]) for i in inst.item_ids]
                   + filler)
"""

READ_WIDE = r"""
import resource, sys, time
what, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if what == "copro":
    from copro_scale import read_responses
    n = read_responses(path).n_read
else:
    import pandas as pd
    n = len(pd.read_csv(path, dtype=str, skiprows=[1, 2], keep_default_na=False))
print(time.perf_counter() - t, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

MAKE_BIG = r"""
import sys
from copro_scale.simulate import simulate
path, rows = sys.argv[1], int(sys.argv[2])
base = simulate(2500, 40, seed=6).responses.to_csv(index=False).splitlines()
header, lines = base[0], [line.split(",", 1)[1] for line in base[1:]]
with open(path, "w") as fh:
    fh.write(header + "\n")
    written, copy = 0, 0
    while written < rows:
        part = lines[: rows - written]
        fh.write("\n".join(f"C{copy:04d}-{k:06d},{line}" for k, line in enumerate(part)) + "\n")
        written, copy = written + len(part), copy + 1
"""

WHOLE = r"""
import resource, sys, time
from copro_scale import read_responses
from copro_scale.csvsafe import write_csv
from copro_scale.scoring import score
t, c = time.perf_counter(), time.process_time()
r = read_responses(sys.argv[1], ids="sequence")
write_csv(score(r), sys.argv[2])
print(time.perf_counter() - t, r.n_read, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      time.process_time() - c)
"""

BLOCKS = r"""
import resource, sys, time
from copro_scale import load_instrument
from copro_scale.responses.chunked import score_in_blocks
t, c = time.perf_counter(), time.process_time()
s = score_in_blocks(sys.argv[1], load_instrument(), output=sys.argv[2])
print(time.perf_counter() - t, s.n_read, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      time.process_time() - c)
"""


MAKE_QUALTRICS = r"""
import csv, io, sys
import numpy as np
import pandas as pd
from copro_scale import load_instrument
from copro_scale.simulate import simulate
path, target, extra = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
inst = load_instrument()
rng = np.random.default_rng(11)
sim = simulate(2500, 40, seed=7).responses
meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
        "DistributionChannel", "UserLanguage"]
texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
         "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
         "Recipient Last Name", "Recipient First Name", "Recipient Email", "External Data Reference",
         "Location Latitude", "Location Longitude", "Distribution Channel", "User Language"]
n_text = extra // 10
others = [f"Q{k + 100}" for k in range(extra)]
header = meta + ["team", "role"] + inst.item_ids + others
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(header)
w.writerow(texts + ["Team", "Role"] + inst.item_ids + [f"Question {k}: how much do you agree?" for k in range(extra)])
w.writerow(['{"ImportId":"%s"}' % c for c in header])
# tails: the extra columns, 90 % choice codes (1-7, some blank), 10 % free text
words = np.array("the ward team shift support peer plan care recovery meeting staff service group".split())
tails = []
for t in range(997):
    codes = rng.integers(1, 8, extra - n_text).astype(str).astype(object)
    codes[rng.random(extra - n_text) < 0.1] = ""
    free = ['"' + " ".join(rng.choice(words, rng.integers(2, 9))) + ', yes"' if rng.random() < 0.6 else ""
            for _ in range(n_text)]
    tails.append(",".join(list(codes) + free))
base = []
for k, rec in enumerate(sim.itertuples(index=False)):
    rec = rec._asdict()
    items = ",".join("" if pd.isna(rec[i]) else str(int(rec[i])) for i in inst.item_ids)
    base.append((f'{rec["team"]},{rec["role"]},{items}', int(rng.integers(120, 3000))))
with open(path, "w", newline="") as fh:
    fh.write(buf.getvalue())
    size, n = fh.tell(), 0
    while size < target:
        lines = []
        for j in range(10000):
            mid, dur = base[(n + j) % len(base)]
            status = "1" if (n + j) % 997 == 0 else "0"
            finished = "0" if (n + j) % 331 == 0 else "1"
            lines.append(f"2026-03-01 09:{(n+j)%60:02d}:00,2026-03-01 09:{(n+j+7)%60:02d}:00,{status},"
                         f"10.{(n+j)%256}.{(n+j)//256%256}.7,100,{dur},{finished},2026-03-01 10:00:00,"
                         f"R_{n + j:015d},Doe,Jo,jo{n+j}@example.org,,51.5,-0.12,anonymous,EN,"
                         f"{mid},{tails[(n + j) % 997]}\n")
        data = "".join(lines)
        fh.write(data)
        size += len(data.encode())
        n += 10000
print(n, size)
"""

#: ``copro score`` with the reading in blocks out of reach: the whole-file read.
WHOLE_SCORE = r"""
import sys
from copro_scale.cli import main
from copro_scale.responses import chunked
chunked.STREAM_BYTES = 1 << 62
raise SystemExit(main(["score", *sys.argv[1:]]))
"""


def copro_score(path: Path, out: Path, whole: bool = False) -> tuple[float, float, float, str]:
    """``copro score`` under ``/usr/bin/time -v``: wall seconds, CPU seconds, peak GB, and how
    it read the file as its summary says ("in blocks", or "whole": a file below
    ``STREAM_BYTES``, or ``whole`` asked)."""
    cmd = [sys.executable, "-c", WHOLE_SCORE] if whole else [sys.executable, "-m",
                                                             "copro_scale.cli", "score"]
    res = subprocess.run(["/usr/bin/time", "-v", *cmd, str(path), "-o", str(out),
                          "--exclusions", str(out) + ".excl"],
                         check=True, capture_output=True, text=True)
    field = dict(line.strip().split(": ", 1) for line in res.stderr.splitlines()
                 if ": " in line and line.startswith("\t"))
    wall = field["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    secs = sum(float(x) * 60 ** k for k, x in enumerate(reversed(wall)))
    cpu = float(field["User time (seconds)"]) + float(field["System time (seconds)"])
    how = "in blocks" if " (in blocks)\n" in res.stderr else "whole"
    return secs, cpu, int(field["Maximum resident set size (kbytes)"]) / 1024**2, how


def big(folder: Path, rows: int, whole_rows: int, keep: bool) -> None:
    path, part = folder / f"canonical-{rows}.csv", folder / f"canonical-{whole_rows}.csv"
    try:
        for p, n in ((path, rows), (part, whole_rows)):
            if not p.exists():
                run(MAKE_BIG, p, n)
        secs, cpu, peak, how = copro_score(path, folder / "scores.csv")
        print(f"canonical CSV, {rows:,} rows ({path.stat().st_size / 1e9:.2f} GB): copro score "
              f"(read {how}) {secs:.0f} s (CPU {cpu:.0f} s), peak {peak:.2f} GB = "
              f"{peak / rows * 1e6 * 1024:.0f} MB a million rows   (target < 2 GB)")
        w_secs, n, rss, w_cpu = run(WHOLE, part, folder / "whole.csv")
        w_peak = int(rss) / 1024**2
        s_secs, _, rss, s_cpu = run(BLOCKS, part, folder / "scores-part.csv")
        s_secs, s_cpu, s_peak = float(s_secs), float(s_cpu), int(rss) / 1024**2
        if (folder / "scores-part.csv").read_bytes() != (folder / "whole.csv").read_bytes():
            raise SystemExit("the scores in blocks differ from the whole read's")
        print(f"  first {whole_rows:,} rows: whole-file read + score {float(w_secs):.0f} s "
              f"(CPU {float(w_cpu):.0f} s), peak {w_peak:.2f} GB; copro score in blocks "
              f"{s_secs:.0f} s (CPU {s_cpu:.0f} s), peak {s_peak:.2f} GB: ratio "
              f"{w_peak / s_peak:.1f}x; the whole read extrapolated linearly to {rows:,} rows: about "
              f"{w_peak * rows / whole_rows:.1f} GB")
    finally:
        if not keep:
            for p in folder.glob("canonical-*.csv"):
                p.unlink()
            for p in folder.glob("scores*.csv*"):
                p.unlink()


def qualtrics(folder: Path, gb: float, extra: int, keep: bool) -> None:
    path = folder / f"qualtrics-{gb:g}gb.csv"
    try:
        if not path.exists():
            run(MAKE_QUALTRICS, path, gb * 1e9, extra)
        with open(path, "rb") as fh:  # no line breaks inside values: a line is a row
            rows = sum(1 for _ in fh) - 3
        secs, cpu, peak, how = copro_score(path, folder / "q-blocks.csv")
        w_secs, w_cpu, w_peak, _ = copro_score(path, folder / "q-whole.csv", whole=True)
        for suffix in ("", ".excl"):
            if (folder / f"q-blocks.csv{suffix}").read_bytes() != \
                    (folder / f"q-whole.csv{suffix}").read_bytes():
                raise SystemExit("the Qualtrics export in blocks differs from the whole read")
        print(f"Qualtrics export, {rows:,} rows x {extra} extra columns "
              f"({path.stat().st_size / 1e9:.2f} GB): copro score (read {how}) {secs:.0f} s "
              f"(CPU {cpu:.0f} s), peak {peak:.2f} GB; whole read {w_secs:.0f} s (CPU "
              f"{w_cpu:.0f} s), peak {w_peak:.2f} GB: ratio {w_peak / peak:.1f}x, same files"
              "   (target < 2 GB)")
    finally:
        if not keep:
            path.unlink(missing_ok=True)
            for p in folder.glob("q-*.csv*"):
                p.unlink()


def wide(folder: Path, extra: int) -> None:
    path = folder / f"qualtrics-wide-{extra}.csv"
    if not path.exists():
        run(MAKE_WIDE, path, extra)
    mine = run(READ_WIDE, "copro", path)
    every = run(READ_WIDE, "pandas", path)
    print(f"wide Qualtrics export, 100,000 rows x {extra} extra columns "
          f"({path.stat().st_size / 1e6:.0f} MB): read_responses peak "
          f"{int(mine[2]) / 1024**2:.2f} GB ({float(mine[0]):.1f} s), every column as text "
          f"{int(every[2]) / 1024**2:.2f} GB ({float(every[0]):.1f} s): ratio "
          f"{int(every[2]) / int(mine[2]):.1f}x")


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
        secs, warnings, kept, excluded, rss, cpu = run(
            READ_TEAMS, folder / f"responses-{share}.csv", folder / "teams.csv")
        print(f"  typos {share:4.0%}: read_responses(teams=...) {float(secs):6.2f} s "
              f"(CPU {float(cpu):.2f} s), "
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
    secs, n, rss, cpu = run(READ_XLSX, "copro", path)
    print(f"xlsx 100,000 x 36: read_responses {float(secs):6.2f} s (CPU {float(cpu):.2f} s) for "
          f"{n} rows, peak {int(rss) / 1024**2:.2f} GB   (target <= {TARGET_XLSX_S} s)")
    cal = run(READ_XLSX, "calamine", path, openpyxl_rows)
    opx = run(READ_XLSX, "openpyxl", path, openpyxl_rows)
    print(f"  first {openpyxl_rows:,} rows (calamine parses the whole sheet to give them): "
          f"python-calamine {float(cal[0]):.2f} s (CPU {float(cal[3]):.2f}), pandas+openpyxl "
          f"{float(opx[0]):.2f} s (CPU {float(opx[3]):.2f}): CPU ratio "
          f"{float(opx[3]) / float(cal[3]):.1f}x")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="folder to keep the generated files in")
    ap.add_argument("--skip-xlsx", action="store_true")
    ap.add_argument("--skip-teams", action="store_true")
    ap.add_argument("--skip-wide", action="store_true")
    ap.add_argument("--wide-extra", type=int, default=300)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--skip-qualtrics", action="store_true")
    ap.add_argument("--qualtrics-gb", type=float, default=1.2)
    ap.add_argument("--qualtrics-extra", type=int, default=500)
    ap.add_argument("--big-rows", type=int, default=15_600_000)
    ap.add_argument("--whole-rows", type=int, default=2_000_000)
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
        if not args.skip_wide:
            wide(folder, args.wide_extra)
        if not args.skip_qualtrics:
            qualtrics(folder, args.qualtrics_gb, args.qualtrics_extra, keep=bool(args.keep))
        if not args.skip_big:
            big(folder, args.big_rows, args.whole_rows, keep=bool(args.keep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
