"""DuckDB and Spark behind one small interface: load CSV files as tables, run a query."""
import os


class Duck:
    name = "duckdb"

    def __init__(self):
        import duckdb

        self.con = duckdb.connect()

    def load_csv(self, table, path, all_varchar=False):
        q = '"' + table.replace('"', '""') + '"'
        p = str(path).replace("'", "''")
        self.con.execute(f"DROP TABLE IF EXISTS {q}")
        opts = ", all_varchar = true" if all_varchar else ""
        self.con.execute(f"CREATE TABLE {q} AS SELECT * FROM read_csv('{p}', header = true{opts})")

    def query(self, sql):
        cur = self.con.execute(sql)
        header = [d[0] for d in cur.description]
        return header, [list(r) for r in cur.fetchall()]

    def close(self):
        self.con.close()


class Spark:
    name = "spark"

    def __init__(self):
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
        self.spark = (
            SparkSession.builder.master("local[2]")
            .appName("churn-sql-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")

    def load_csv(self, table, path, all_varchar=False):
        # RFC 4180 quoting (a quote inside a quoted field is doubled).
        df = self.spark.read.csv(str(path), header=True, inferSchema=not all_varchar, escape='"')
        df.createOrReplaceTempView("`" + table.replace("`", "``") + "`")

    def query(self, sql):
        df = self.spark.sql(sql)
        header = df.columns
        return header, [list(r) for r in df.collect()]

    def close(self):
        self.spark.stop()


def make(name):
    return {"duckdb": Duck, "spark": Spark}[name]()
