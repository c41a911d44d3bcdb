"""Scoring benchmark (issue 6): `churn score` end to end (CSV in, CSV out) against pandas + scikit-learn / LightGBM.

Usage: bench.py CHURN DATA_DIR OUT_MD REPEAT ROWS DRIVERS_ROWS BIG_ROWS...
DATA_DIR holds logistic.json, gbdt.json (early-stopped) and gbdt300.json (300 rounds) (churn models), the peers' .pkl files and scoring CSVs named
score_<rows>.csv. Drivers-on runs use the DRIVERS_ROWS file (TreeSHAP is far slower). Every timed configuration runs REPEAT times (interleaved) under /usr/bin/time -v; the median wall
time and the largest peak RSS are reported. BIG_ROWS files are scored by churn only (drivers off), once, for memory.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

PY = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            n += chunk.count(b"\n")
    return n


def timed(cmd, out):
    """Runs cmd under /usr/bin/time -v; returns wall seconds, peak RSS in MB, stdout."""
    tv = out + ".time"
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", "-o", tv, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(tv).read()).group(1))
    os.remove(tv)
    return wall, rss_kb / 1024, p.stdout


def main():
    churn, data, out_md, repeat, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    drows = int(sys.argv[6])
    big = [int(x) for x in sys.argv[7:] if int(x) > 0]
    trees = {k: len(json.load(open(os.path.join(data, f"{k}.json")))["learner"].get("trees", []))
             for k in ("logistic", "gbdt", "gbdt300")}
    lgbm = sorted(f[:-4] for f in os.listdir(data) if f.startswith("lightgbm_") and f.endswith(".pkl"))
    inp, out = os.path.join(data, f"score_{rows}.csv"), os.path.join(data, "out.csv")
    dinp = os.path.join(data, f"score_{drows}.csv")
    mb = os.path.getsize(inp) / 1e6

    configs = []  # (label, kind, cmd, rows); kind: churn or peer
    def label_of(model):
        return "churn logistic" if model == "logistic" else f"churn gbdt ({trees[model]} trees)"

    for model, drivers in (("logistic", 0), ("gbdt", 0), ("gbdt300", 0), ("logistic", 3), ("gbdt", 3)):
        n = rows if drivers == 0 else drows
        label = f"{label_of(model)}, drivers {drivers}"
        if n != rows:
            label += f" [{n:,} rows]"
        configs.append((label, "churn", [churn, "score", "--model", os.path.join(data, f"{model}.json"),
                                          "--data", inp if n == rows else dinp, "--out", out,
                                          "--drivers", str(drivers), "--quiet"], n))
    for name in ["sklearn_logistic"] + lgbm:
        label = ("pandas + sklearn LogisticRegression" if name == "sklearn_logistic"
                 else f"pandas + LightGBM ({name.split('_')[1]} trees)")
        configs.append((label, "peer", [PY, os.path.join(HERE, "peer.py"), "score",
                                        os.path.join(data, name + ".pkl"), inp, out], rows))
    # Drivers on: LightGBM's own TreeSHAP at the tree count of churn's early-stopped model.
    contrib = f"lightgbm_{trees['gbdt']}"
    if contrib in lgbm:
        configs.append((f"pandas + LightGBM ({trees['gbdt']} trees) pred_contrib, top 3 [{drows:,} rows]", "peer",
                        [PY, os.path.join(HERE, "peer.py"), "score", os.path.join(data, contrib + ".pkl"), dinp, out,
                         "contrib"], drows))

    results = {c[0]: dict(wall=[], rss=[], inproc=[]) for c in configs}
    loads = [loadavg()]
    print(f"scoring {rows:,} rows ({mb:.0f} MB CSV), {repeat} repetitions, interleaved", file=sys.stderr)
    for rep in range(repeat):
        for label, kind, cmd, n in configs:
            wall, rss, stdout = timed(cmd, out)
            lines = count_lines(out) - 1
            if lines != n:
                sys.exit(f"{label}: wrote {lines} rows, expected {n}")
            r = results[label]
            r["wall"].append(wall)
            r["rss"].append(rss)
            if kind == "peer":
                r["inproc"].append(json.loads(stdout.strip().splitlines()[-1]))
            print(f"  rep {rep + 1} {label:52} {wall:7.2f} s  {rss:7.0f} MB  (load {loadavg()})", file=sys.stderr)
        loads.append(loadavg())
        os.remove(out)

    nrows = {c[0]: c[3] for c in configs}

    def rate(label):
        r = results[label]
        secs = statistics.median([x["seconds"] for x in r["inproc"]]) if r["inproc"] else statistics.median(r["wall"])
        return nrows[label] / secs, secs

    md = ["# Scoring benchmark results (issue 6)", "",
          f"Generated by `benchmarks/score/run.sh` on {time.strftime('%Y-%m-%d %H:%M:%S')}; {os.cpu_count()} cores; "
          f"load average during the runs {' -> '.join(loads)}.", "",
          f"Input: {rows:,} rows ({mb:.0f} MB), telco test.csv rows repeated with fresh ids, label column removed. "
          "Models trained on `../shared/splits/telco/train.csv`: churn `--models logistic`, `--models gbdt` "
          f"(**{trees['gbdt']} trees**: early stopping chose them) and `--models gbdt --gbdt-trees 300` "
          f"(**{trees['gbdt300']} trees**, the issue's target); peers: sklearn LogisticRegression(balanced) and "
          "LGBMClassifier(n_jobs=2) with "
          f"{', '.join(x.split('_')[1] for x in lgbm)} trees, PEERS.md preprocessing.", "",
          "churn time = the whole `churn score` process (start-up, model load, CSV read, scoring, CSV write of every "
          "output column). Peer time = in-process, from the start of `pandas.read_csv` to the end of "
          "`DataFrame.to_csv` (id, churn_probability): interpreter start-up, imports and unpickling are *not* "
          "counted, in the peers' favour; the process wall time is shown beside it. Median of "
          f"{repeat} runs; peak RSS is the largest of the runs (`/usr/bin/time -v`). Drivers-on runs score the first "
          f"{drows:,} rows of the same data (a separate file) to keep the run short.", "",
          "| scorer | rows/s | seconds | process wall s | peak RSS MB |", "|---|---|---|---|---|"]
    for label, *_ in configs:
        r = results[label]
        rs, secs = rate(label)
        md.append(f"| {label} | {rs:,.0f} | {secs:.2f} | {statistics.median(r['wall']):.2f} | {max(r['rss']):.0f} |")
    md.append("")
    for label, *_ in configs:
        r = results[label]
        if r["inproc"]:
            part = {k: statistics.median([x[k] for x in r["inproc"]]) for k in ("read_s", "predict_s", "write_s")}
            md.append(f"- {label}: read_csv {part['read_s']:.2f} s, predict_proba {part['predict_s']:.2f} s, "
                      f"to_csv {part['write_s']:.2f} s")

    log0 = rate("churn logistic, drivers 0")
    gb0 = rate(f"{label_of('gbdt')}, drivers 0")
    gb300 = rate(f"{label_of('gbdt300')}, drivers 0")
    with_drivers = lambda prefix: rate(next(c[0] for c in configs if c[0].startswith(prefix)))
    gb3 = with_drivers(label_of('gbdt') + ', drivers 3')
    md.append(f"- drivers on / off, churn logistic: {with_drivers('churn logistic, drivers 3')[0] / log0[0]:.3f} of "
              f"the rows/s; churn gbdt: {gb3[0] / gb0[0]:.4f}")
    peer3 = [c[0] for c in configs if "pred_contrib" in c[0]]
    if peer3:
        md.append(f"- drivers on, churn gbdt ({trees['gbdt']} trees, exact TreeSHAP, every output column) against "
                  f"pandas + LightGBM pred_contrib at the same tree count: {gb3[0] / rate(peer3[0])[0]:.1f}×")
    sk = rate("pandas + sklearn LogisticRegression")
    lg = {int(x.split('_')[1]): rate(f"pandas + LightGBM ({x.split('_')[1]} trees)") for x in lgbm}
    pf = lambda b: "PASS" if b else "FAIL"
    md += ["", "## Against issue 6 (drivers off)", "",
           "| target | measured | result |", "|---|---|---|",
           f"| logistic ≥ 1,000,000 rows/s | {log0[0]:,.0f} rows/s | {pf(log0[0] >= 1e6)} |",
           f"| GBDT ≥ 250,000 rows/s at 300 trees | {gb300[0]:,.0f} rows/s at {trees['gbdt300']} trees "
           f"| {pf(gb300[0] >= 250e3 and trees['gbdt300'] == 300)} |",
           f"| logistic ≥ 5× pandas + sklearn | {log0[0] / sk[0]:.1f}× | {pf(log0[0] / sk[0] >= 5)} |"]
    for t, v in sorted(lg.items()):
        mine = gb300 if t == trees["gbdt300"] else gb0 if t == trees["gbdt"] else None
        if mine is not None:
            md.append(f"| GBDT ≥ 5× pandas + LightGBM ({t} trees) | {mine[0] / v[0]:.1f}× (churn at {t} trees) "
                      f"| {pf(mine[0] / v[0] >= 5)} |")
    md.append("")

    for n in big:
        path = os.path.join(data, f"score_{n}.csv")
        md += [f"## {n:,} rows ({os.path.getsize(path) / 1e6:.0f} MB), churn only, drivers off, one run each", "",
               "| scorer | rows/s | seconds | peak RSS MB | under 200 MB |", "|---|---|---|---|---|"]
        for model in ("logistic", "gbdt300"):
            wall, rss, _ = timed([churn, "score", "--model", os.path.join(data, f"{model}.json"), "--data", path,
                                  "--out", out, "--drivers", "0", "--quiet"], out)
            lines = count_lines(out) - 1
            os.remove(out)
            if lines != n:
                sys.exit(f"{model} at {n}: wrote {lines} rows, expected {n}")
            md.append(f"| {label_of(model)} | {n / wall:,.0f} | {wall:.2f} | {rss:.0f} | {pf(rss < 200)} |")
            print(f"  {n:,} rows churn {model}: {wall:.2f} s, {rss:.0f} MB (load {loadavg()})", file=sys.stderr)
        md.append("")
    md.append(f"Load average at the end: {loadavg()}.")
    text = "\n".join(md) + "\n"
    print(text)
    with open(out_md, "w") as f:
        f.write(text)
    print(f"written {out_md}", file=sys.stderr)


if __name__ == "__main__":
    main()
