"""Partitioned scoring on Apache Spark with the `churn` binary.

For what `churn export-sql` does not compile (risk drivers, survival models, very large
ensembles), each Spark partition is written to a temporary Parquet file and scored by
`churn score`; the scored rows come back as a DataFrame, in input order.

usage: score_partitions.py MODEL INPUT.csv OUT.csv [--partitions N] [--drivers K]
  CHURN_BIN: the churn binary (must exist at the same path on every executor);
  SOURCE_DATE_EPOCH: fixes `scored_at` (otherwise each partition stamps its own time).

Every input column is read as text (no type inference), so `churn score` sees the same
values as from the CSV file; an empty cell is a missing value either way.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pyspark.sql import SparkSession, functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

ROW = "__churn_row"


def score_batches(model, churn, drivers, out_columns):
    """The mapInArrow function: one `churn score` run per partition."""

    def run(batches):
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        rows = table.column(ROW)
        data = table.drop_columns([ROW])
        with tempfile.TemporaryDirectory(prefix="churn-part-") as tmp:
            src, out = os.path.join(tmp, "part.parquet"), os.path.join(tmp, "scores.csv")
            pq.write_table(data, src)
            r = subprocess.run(
                [churn, "score", "--model", model, "--data", src, "--out", out, "--drivers", str(drivers)],
                capture_output=True, text=True,
            )
            if r.returncode != 0:
                raise RuntimeError(f"churn score failed on a partition:\n{r.stderr}")
            opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in out_columns},
                                        strings_can_be_null=False, quoted_strings_can_be_null=False)
            scored = pacsv.read_csv(out, convert_options=opts)
        if scored.num_rows != table.num_rows:
            raise RuntimeError(f"{table.num_rows - scored.num_rows} rows rejected in a partition (see churn score)")
        scored = scored.append_column(ROW, rows)
        yield from scored.to_batches()

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("out")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--drivers", type=int, default=3)
    a = ap.parse_args()
    churn = os.path.abspath(os.environ.get("CHURN_BIN", "churn"))
    model = os.path.abspath(a.model)
    # Local mode: the Python workers use this interpreter (with pyarrow).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]").appName("churn-score-partitions")
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.read.csv(a.input, header=True, inferSchema=False, escape='"', nullValue=None,
                            ignoreLeadingWhiteSpace=False, ignoreTrailingWhiteSpace=False)
        df = df.fillna("")  # empty cells as empty text, exactly as in the file
        df = df.withColumn(ROW, F.monotonically_increasing_id()).repartition(a.partitions)
        # The output columns: those of `churn score` (run on an empty sample to learn them).
        with tempfile.TemporaryDirectory() as tmp:
            head = os.path.join(tmp, "head.csv")
            with open(a.input, newline="") as f, open(head, "w", newline="") as g:
                rd, w = csv.reader(f), csv.writer(g)
                w.writerow(next(rd))
                w.writerow(next(rd))
            subprocess.run([churn, "score", "--model", model, "--data", head, "--out", os.path.join(tmp, "o.csv"),
                            "--drivers", str(a.drivers)], check=True, capture_output=True)
            with open(os.path.join(tmp, "o.csv"), newline="") as f:
                out_columns = next(csv.reader(f))
        schema = StructType([StructField(c, StringType()) for c in out_columns] + [StructField(ROW, LongType())])
        scored = df.mapInArrow(score_batches(model, churn, a.drivers, out_columns), schema)
        rows = scored.orderBy(ROW).drop(ROW).collect()
        # The same CSV dialect as `churn score` (minimal quoting, \n line ends).
        with open(a.out, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(out_columns)
            for r in rows:
                w.writerow(list(r))
        print(f"{len(rows)} rows scored in {a.partitions} partitions -> {a.out}")
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
