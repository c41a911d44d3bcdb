WITH z_x AS (
  SELECT "account_id" AS z_id, CASE WHEN (NOT ("autopay" IS NULL OR LOWER(TRIM(CAST("autopay" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) AND LOWER(TRIM(CAST("autopay" AS VARCHAR))) NOT IN ('true', 'yes', 't', 'y', 'false', 'no', 'f', 'n')) THEN 1 ELSE 0 END AS z_bad,
    CASE WHEN NOT ("plan" IS NULL OR LOWER(TRIM(CAST("plan" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) AND TRIM(CAST("plan" AS VARCHAR)) = 'pro' THEN CAST(1e0 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END AS z_x0,
    CASE WHEN NOT ("plan" IS NULL OR LOWER(TRIM(CAST("plan" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) AND TRIM(CAST("plan" AS VARCHAR)) = 'basic' THEN CAST(1e0 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END AS z_x1,
    CASE WHEN NOT ("plan" IS NULL OR LOWER(TRIM(CAST("plan" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) AND TRIM(CAST("plan" AS VARCHAR)) = 'enterprise' THEN CAST(1e0 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END AS z_x2,
    CASE WHEN ("plan" IS NULL OR LOWER(TRIM(CAST("plan" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) OR (NOT ("plan" IS NULL OR LOWER(TRIM(CAST("plan" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) AND NOT (TRIM(CAST("plan" AS VARCHAR)) IN ('pro', 'basic', 'enterprise'))) THEN CAST(1e0 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END AS z_x3,
    (CASE WHEN ("monthly_fee" IS NULL OR LOWER(TRIM(CAST("monthly_fee" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(6.0769999999999996e1 AS DOUBLE) ELSE CAST("monthly_fee" AS DOUBLE) END - CAST(9.226509523809524e1 AS DOUBLE)) / CAST(7.708750603629417e1 AS DOUBLE) AS z_x4,
    (CASE WHEN ("logins_30d" IS NULL OR LOWER(TRIM(CAST("logins_30d" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(2.1e1 AS DOUBLE) ELSE CAST("logins_30d" AS DOUBLE) END - CAST(1.980952380952381e1 AS DOUBLE)) / CAST(1.15373886936551e1 AS DOUBLE) AS z_x5,
    (CASE WHEN ("tickets" IS NULL OR LOWER(TRIM(CAST("tickets" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(2e0 AS DOUBLE) ELSE CAST("tickets" AS DOUBLE) END - CAST(2.4238095238095236e0 AS DOUBLE)) / CAST(1.7542885579833216e0 AS DOUBLE) AS z_x6,
    (CASE WHEN ("autopay" IS NULL OR LOWER(TRIM(CAST("autopay" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(1e0 AS DOUBLE) ELSE CASE WHEN LOWER(TRIM(CAST("autopay" AS VARCHAR))) IN ('true', 'yes', 't', 'y') THEN CAST(1e0 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END END - CAST(6.190476190476191e-1 AS DOUBLE)) / CAST(4.856209060564529e-1 AS DOUBLE) AS z_x7,
    (CASE WHEN ("last_nps" IS NULL OR LOWER(TRIM(CAST("last_nps" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(5e0 AS DOUBLE) ELSE CAST("last_nps" AS DOUBLE) END - CAST(5.021428571428571e0 AS DOUBLE)) / CAST(2.8895572007362205e0 AS DOUBLE) AS z_x8,
    CASE WHEN ("last_nps" IS NULL OR LOWER(TRIM(CAST("last_nps" AS VARCHAR))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(1e0 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END AS z_x9
  FROM "input"
),
z_raw AS (
  SELECT z_id, z_bad, CAST(1.0618214100111674e0 AS DOUBLE) * (CAST(-3.192093631103943e-1 AS DOUBLE)
    + CAST(3.4978723667232925e-1 AS DOUBLE) * z_x0
    + CAST(5.840499102759888e-1 AS DOUBLE) * z_x1
    + CAST(-9.33837146948293e-1 AS DOUBLE) * z_x2
    + CAST(0e0 AS DOUBLE) * z_x3
    + CAST(1.3718103202474927e-1 AS DOUBLE) * z_x4
    + CAST(-1.3244790657211456e0 AS DOUBLE) * z_x5
    + CAST(8.48187103324377e-1 AS DOUBLE) * z_x6
    + CAST(-3.4844112679355027e-1 AS DOUBLE) * z_x7
    + CAST(-1.5584644663126693e-1 AS DOUBLE) * z_x8
    + CAST(-3.1190467997187127e-1 AS DOUBLE) * z_x9) + CAST(-9.289016583715136e-1 AS DOUBLE) AS z_s FROM z_x
),
z_p AS (
  SELECT z_id, CASE WHEN z_bad = 1 THEN NULL WHEN z_s < -709 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) / (CAST(1e0 AS DOUBLE) + EXP(-z_s)) END AS z_p FROM z_raw
),
z_h AS (
  SELECT z_id, z_p, ROUND(CAST(1e2 AS DOUBLE) * (CAST(1e0 AS DOUBLE) - z_p) * 10, 0) / 10 AS z_h FROM z_p
)
SELECT
  z_id AS "account_id",
  z_p AS "churn_probability",
  CASE WHEN z_p IS NULL THEN NULL ELSE CASE WHEN z_p >= CAST(7e-1 AS DOUBLE) THEN 'Critical' WHEN z_p >= CAST(5e-1 AS DOUBLE) THEN 'High' WHEN z_p >= CAST(3e-1 AS DOUBLE) THEN 'Medium' WHEN z_p >= CAST(1e-1 AS DOUBLE) THEN 'Low' ELSE 'Minimal' END END AS "risk_tier",
  z_h AS "health_score",
  CASE WHEN z_h IS NULL THEN NULL ELSE CASE WHEN z_h >= CAST(8.5e1 AS DOUBLE) THEN 'Thriving' WHEN z_h >= CAST(7e1 AS DOUBLE) THEN 'Healthy' WHEN z_h >= CAST(5e1 AS DOUBLE) THEN 'Neutral' WHEN z_h >= CAST(3e1 AS DOUBLE) THEN 'At-Risk' ELSE 'Critical' END END AS "health_state",
  '8e7397ed5b6f12e6' AS "model_id",
  '1' AS "model_version"
FROM z_h
