WITH z_x AS (
  SELECT `account_id` AS z_id, CASE WHEN (NOT (`autopay` IS NULL OR LOWER(TRIM(CAST(`autopay` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) AND LOWER(TRIM(CAST(`autopay` AS STRING))) NOT IN ('true', 'yes', 't', 'y', 'false', 'no', 'f', 'n')) THEN 1 ELSE 0 END AS z_bad,
    CASE WHEN NOT (`plan` IS NULL OR LOWER(TRIM(CAST(`plan` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) AND TRIM(CAST(`plan` AS STRING)) = 'pro' THEN CAST(1e0 AS FLOAT64) ELSE CAST(0e0 AS FLOAT64) END AS z_x0,
    CASE WHEN NOT (`plan` IS NULL OR LOWER(TRIM(CAST(`plan` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) AND TRIM(CAST(`plan` AS STRING)) = 'basic' THEN CAST(1e0 AS FLOAT64) ELSE CAST(0e0 AS FLOAT64) END AS z_x1,
    CASE WHEN NOT (`plan` IS NULL OR LOWER(TRIM(CAST(`plan` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) AND TRIM(CAST(`plan` AS STRING)) = 'enterprise' THEN CAST(1e0 AS FLOAT64) ELSE CAST(0e0 AS FLOAT64) END AS z_x2,
    CASE WHEN (`plan` IS NULL OR LOWER(TRIM(CAST(`plan` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) OR (NOT (`plan` IS NULL OR LOWER(TRIM(CAST(`plan` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) AND NOT (TRIM(CAST(`plan` AS STRING)) IN ('pro', 'basic', 'enterprise'))) THEN CAST(1e0 AS FLOAT64) ELSE CAST(0e0 AS FLOAT64) END AS z_x3,
    (CASE WHEN (`monthly_fee` IS NULL OR LOWER(TRIM(CAST(`monthly_fee` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(6.0769999999999996e1 AS FLOAT64) ELSE CAST(`monthly_fee` AS FLOAT64) END - CAST(9.226509523809524e1 AS FLOAT64)) / CAST(7.708750603629417e1 AS FLOAT64) AS z_x4,
    (CASE WHEN (`logins_30d` IS NULL OR LOWER(TRIM(CAST(`logins_30d` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(2.1e1 AS FLOAT64) ELSE CAST(`logins_30d` AS FLOAT64) END - CAST(1.980952380952381e1 AS FLOAT64)) / CAST(1.15373886936551e1 AS FLOAT64) AS z_x5,
    (CASE WHEN (`tickets` IS NULL OR LOWER(TRIM(CAST(`tickets` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(2e0 AS FLOAT64) ELSE CAST(`tickets` AS FLOAT64) END - CAST(2.4238095238095236e0 AS FLOAT64)) / CAST(1.7542885579833216e0 AS FLOAT64) AS z_x6,
    (CASE WHEN (`autopay` IS NULL OR LOWER(TRIM(CAST(`autopay` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(1e0 AS FLOAT64) ELSE CASE WHEN LOWER(TRIM(CAST(`autopay` AS STRING))) IN ('true', 'yes', 't', 'y') THEN CAST(1e0 AS FLOAT64) ELSE CAST(0e0 AS FLOAT64) END END - CAST(6.190476190476191e-1 AS FLOAT64)) / CAST(4.856209060564529e-1 AS FLOAT64) AS z_x7,
    (CASE WHEN (`last_nps` IS NULL OR LOWER(TRIM(CAST(`last_nps` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(5e0 AS FLOAT64) ELSE CAST(`last_nps` AS FLOAT64) END - CAST(5.021428571428571e0 AS FLOAT64)) / CAST(2.8895572007362205e0 AS FLOAT64) AS z_x8,
    CASE WHEN (`last_nps` IS NULL OR LOWER(TRIM(CAST(`last_nps` AS STRING))) IN ('', 'na', 'n/a', 'nan', 'null')) THEN CAST(1e0 AS FLOAT64) ELSE CAST(0e0 AS FLOAT64) END AS z_x9
  FROM `input`
),
z_raw AS (
  SELECT z_id, z_bad, CAST(1.0618214100111674e0 AS FLOAT64) * (CAST(-3.192093631103943e-1 AS FLOAT64)
    + CAST(3.4978723667232925e-1 AS FLOAT64) * z_x0
    + CAST(5.840499102759888e-1 AS FLOAT64) * z_x1
    + CAST(-9.33837146948293e-1 AS FLOAT64) * z_x2
    + CAST(0e0 AS FLOAT64) * z_x3
    + CAST(1.3718103202474927e-1 AS FLOAT64) * z_x4
    + CAST(-1.3244790657211456e0 AS FLOAT64) * z_x5
    + CAST(8.48187103324377e-1 AS FLOAT64) * z_x6
    + CAST(-3.4844112679355027e-1 AS FLOAT64) * z_x7
    + CAST(-1.5584644663126693e-1 AS FLOAT64) * z_x8
    + CAST(-3.1190467997187127e-1 AS FLOAT64) * z_x9) + CAST(-9.289016583715136e-1 AS FLOAT64) AS z_s FROM z_x
),
z_p AS (
  SELECT z_id, CASE WHEN z_bad = 1 THEN NULL WHEN z_s < -709 THEN CAST(0e0 AS FLOAT64) ELSE CAST(1e0 AS FLOAT64) / (CAST(1e0 AS FLOAT64) + EXP(-z_s)) END AS z_p FROM z_raw
),
z_h AS (
  SELECT z_id, z_p, ROUND(CAST(1e2 AS FLOAT64) * (CAST(1e0 AS FLOAT64) - z_p) * 10, 0) / 10 AS z_h FROM z_p
)
SELECT
  z_id AS `account_id`,
  z_p AS `churn_probability`,
  CASE WHEN z_p IS NULL THEN NULL ELSE CASE WHEN z_p >= CAST(7e-1 AS FLOAT64) THEN 'Critical' WHEN z_p >= CAST(5e-1 AS FLOAT64) THEN 'High' WHEN z_p >= CAST(3e-1 AS FLOAT64) THEN 'Medium' WHEN z_p >= CAST(1e-1 AS FLOAT64) THEN 'Low' ELSE 'Minimal' END END AS `risk_tier`,
  z_h AS `health_score`,
  CASE WHEN z_h IS NULL THEN NULL ELSE CASE WHEN z_h >= CAST(8.5e1 AS FLOAT64) THEN 'Thriving' WHEN z_h >= CAST(7e1 AS FLOAT64) THEN 'Healthy' WHEN z_h >= CAST(5e1 AS FLOAT64) THEN 'Neutral' WHEN z_h >= CAST(3e1 AS FLOAT64) THEN 'At-Risk' ELSE 'Critical' END END AS `health_state`,
  '8e7397ed5b6f12e6' AS `model_id`,
  '1' AS `model_version`
FROM z_h
