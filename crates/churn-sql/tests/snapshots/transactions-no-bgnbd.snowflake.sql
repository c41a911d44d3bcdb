WITH z_act AS (
  SELECT TRIM(CAST("customer_id" AS VARCHAR)) AS z_a, DATEDIFF(day, DATE '1970-01-01', CAST("timestamp" AS DATE)) AS z_d, TRIM(CAST("event_type" AS VARCHAR)) AS z_ty, CAST("amount" AS DOUBLE) AS z_v FROM "activity"
),
z_cnt AS (
  SELECT z_a, z_d FROM z_act WHERE z_ty IN ('purchase') GROUP BY z_a, z_d
),
z_first AS (
  SELECT z_a, MIN(z_d) AS z_fs FROM z_cnt GROUP BY z_a
),
z_dates AS (
  SELECT CAST(19875 AS BIGINT) AS z_t UNION ALL SELECT CAST(19905 AS BIGINT) AS z_t UNION ALL SELECT CAST(19936 AS BIGINT) AS z_t UNION ALL SELECT CAST(19967 AS BIGINT) AS z_t UNION ALL SELECT CAST(19997 AS BIGINT) AS z_t UNION ALL SELECT CAST(20028 AS BIGINT) AS z_t UNION ALL SELECT CAST(20058 AS BIGINT) AS z_t UNION ALL SELECT CAST(20089 AS BIGINT) AS z_t UNION ALL SELECT CAST(20120 AS BIGINT) AS z_t UNION ALL SELECT CAST(20148 AS BIGINT) AS z_t
),
z_cand AS (
  SELECT f.z_a, z_dates.z_t, f.z_fs FROM z_first f CROSS JOIN z_dates WHERE f.z_fs < z_dates.z_t
),
z_lab AS (
  SELECT c.z_a, c.z_t, c.z_fs, c.z_we,
    MAX(CASE WHEN k.z_d >= c.z_t - 365 AND k.z_d < c.z_t THEN 1 ELSE 0 END) AS z_pop,
    MAX(CASE WHEN k.z_d >= c.z_t + 0 AND k.z_d < c.z_we AND k.z_d < 20263 THEN 1 ELSE 0 END) AS z_seen
  FROM (SELECT c.z_a, c.z_t, c.z_fs, (c.z_t + 90) AS z_we FROM z_cand c) c LEFT JOIN z_cnt k ON k.z_a = c.z_a AND k.z_d >= c.z_t - 365 AND k.z_d < c.z_we
  GROUP BY c.z_a, c.z_t, c.z_fs, c.z_we
),
z_snap AS (
  SELECT z_a, z_t, 1 - z_seen AS z_churned, z_fs FROM z_lab WHERE z_pop = 1 AND NOT (z_seen = 0 AND z_we > 20263)
),
z_day AS (
  SELECT z_a, z_d, COUNT(*) AS z_r_any, COALESCE(SUM(z_v), CAST(0e0 AS DOUBLE)) AS z_v_any, SUM(CASE WHEN z_ty = 'purchase' THEN 1 ELSE 0 END) AS z_r_0, COALESCE(SUM(CASE WHEN z_ty = 'purchase' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_0, SUM(CASE WHEN z_ty = 'visit' THEN 1 ELSE 0 END) AS z_r_1, COALESCE(SUM(CASE WHEN z_ty = 'visit' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_1
  FROM z_act WHERE z_a IN (SELECT z_a FROM z_snap) GROUP BY z_a, z_d
),
z_win AS (
  SELECT s.z_a, s.z_t,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 30 THEN CASE WHEN dd.z_r_0 > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x0,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 90 THEN CASE WHEN dd.z_r_0 > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x1,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 365 THEN CASE WHEN dd.z_r_0 > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x2,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 30 THEN dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x3,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 30 THEN dd.z_r_0 END), CAST(0 AS BIGINT)) AS z_x4,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 90 THEN dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x5,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 90 THEN dd.z_r_0 END), CAST(0 AS BIGINT)) AS z_x6,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 365 THEN dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x7,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 365 THEN dd.z_r_0 END), CAST(0 AS BIGINT)) AS z_x8,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 180 THEN (2 * FLOOR((dd.z_d - s.z_t + 180) / (30)) - 5) * dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x9,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 180 THEN dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x10
  FROM z_snap s LEFT JOIN z_day dd ON dd.z_a = s.z_a AND dd.z_d >= s.z_t - 365 AND dd.z_d < s.z_t
  GROUP BY s.z_a, s.z_t
),
z_ev AS (
  SELECT z_a, 2 * z_d + 1 AS z_k, CAST(NULL AS BIGINT) AS z_t, CASE WHEN z_r_0 > 0 THEN z_d END AS z_l_0, CASE WHEN z_r_0 > 0 THEN 1 ELSE 0 END AS z_n_0, z_r_0 AS z_rr_0, z_v_0 AS z_vv_0 FROM z_day
  UNION ALL SELECT z_a, 2 * z_t AS z_k, z_t, CAST(NULL AS BIGINT) AS z_l_0, CAST(0 AS BIGINT) AS z_n_0, CAST(0 AS BIGINT) AS z_rr_0, CAST(0e0 AS DOUBLE) AS z_vv_0 FROM z_snap
),
z_ev1 AS (
  SELECT z_ev.*, CASE WHEN z_l_0 IS NOT NULL THEN MAX(z_l_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) END AS z_pv_0 FROM z_ev
),
z_rec AS (
  SELECT * FROM (SELECT z_a, z_t, MAX(z_l_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_last_0, MIN(z_l_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_first_0, MAX(z_pv_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_prev_0, SUM(z_n_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_n_0, SUM(z_rr_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_rr_0, SUM(z_vv_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_vv_0 FROM z_ev1) z_r0 WHERE z_t IS NOT NULL
),
z_gp_0 AS (
  SELECT z_a, z_d, z_d - z_pv AS z_g FROM (SELECT z_a, z_d, LAG(z_d) OVER (PARTITION BY z_a ORDER BY z_d) AS z_pv FROM z_day WHERE z_r_0 > 0) z_g0 WHERE z_pv IS NOT NULL
),
z_md_0 AS (
  SELECT z_a, z_t, AVG(CAST(z_g AS DOUBLE)) AS z_med FROM (SELECT s.z_a, s.z_t, g.z_g, ROW_NUMBER() OVER (PARTITION BY s.z_a, s.z_t ORDER BY g.z_g) AS z_rn, COUNT(*) OVER (PARTITION BY s.z_a, s.z_t) AS z_cn FROM z_snap s JOIN z_gp_0 g ON g.z_a = s.z_a AND g.z_d < s.z_t) z_m0
  WHERE z_rn = FLOOR((z_cn + 1) / (2)) OR z_rn = FLOOR((z_cn + 2) / (2)) GROUP BY z_a, z_t
)
SELECT
  s.z_a AS "customer_id",
  DATEADD(day, s.z_t, DATE '1970-01-01') AS "snapshot_date",
  CASE WHEN r.z_last_0 IS NULL THEN CAST(s.z_t - s.z_fs AS DOUBLE) ELSE CAST(s.z_t - r.z_last_0 AS DOUBLE) END AS "days_since_purchase",
  CAST(s.z_t - s.z_fs AS DOUBLE) AS "tenure_days",
  CAST(r.z_n_0 AS DOUBLE) AS "purchase_activity_days",
  CASE WHEN r.z_n_0 >= 2 THEN CAST(r.z_last_0 - r.z_first_0 AS DOUBLE) / CAST(r.z_n_0 - 1 AS DOUBLE) END AS "purchase_gap_mean",
  md_0.z_med AS "purchase_gap_median",
  CASE WHEN r.z_n_0 >= 2 THEN CAST(r.z_last_0 - r.z_prev_0 AS DOUBLE) END AS "purchase_gap_last",
  CASE WHEN r.z_n_0 >= 2 THEN CAST(s.z_t - r.z_last_0 AS DOUBLE) / (CAST(r.z_last_0 - r.z_first_0 AS DOUBLE) / CAST(r.z_n_0 - 1 AS DOUBLE)) END AS "purchase_overdue",
  CAST(w.z_x0 AS DOUBLE) AS "purchase_active_days_30d",
  CAST(w.z_x1 AS DOUBLE) AS "purchase_active_days_90d",
  CAST(w.z_x2 AS DOUBLE) AS "purchase_active_days_365d",
  CAST(w.z_x3 AS DOUBLE) AS "purchase_value_sum_30d",
  CASE WHEN w.z_x4 > 0 THEN CAST(w.z_x3 AS DOUBLE) / CAST(w.z_x4 AS DOUBLE) END AS "purchase_value_mean_30d",
  CAST(w.z_x5 AS DOUBLE) AS "purchase_value_sum_90d",
  CASE WHEN w.z_x6 > 0 THEN CAST(w.z_x5 AS DOUBLE) / CAST(w.z_x6 AS DOUBLE) END AS "purchase_value_mean_90d",
  CAST(w.z_x7 AS DOUBLE) AS "purchase_value_sum_365d",
  CASE WHEN w.z_x8 > 0 THEN CAST(w.z_x7 AS DOUBLE) / CAST(w.z_x8 AS DOUBLE) END AS "purchase_value_mean_365d",
  CASE WHEN r.z_rr_0 > 0 THEN r.z_vv_0 / CAST(r.z_rr_0 AS DOUBLE) END AS "purchase_value_mean",
  CASE WHEN CAST(w.z_x10 AS DOUBLE) <> 0 THEN (CAST(w.z_x9 AS DOUBLE) * 6 / CAST(2.1e2 AS DOUBLE)) / (CAST(w.z_x10 AS DOUBLE) / CAST(6e0 AS DOUBLE)) ELSE CAST(0e0 AS DOUBLE) END AS "purchase_value_trend_6x30d",
  CAST(s.z_churned AS BIGINT) AS "churned"
FROM z_snap s
  LEFT JOIN z_win w ON w.z_a = s.z_a AND w.z_t = s.z_t
  LEFT JOIN z_rec r ON r.z_a = s.z_a AND r.z_t = s.z_t
  LEFT JOIN z_md_0 md_0 ON md_0.z_a = s.z_a AND md_0.z_t = s.z_t
ORDER BY 1, 2
