WITH z_sub0 AS (
  SELECT TRIM(CAST(`account_id` AS STRING)) AS z_a, datediff(CAST(`start_date` AS DATE), DATE '1970-01-01') AS z_s, datediff(CAST(`end_date` AS DATE), DATE '1970-01-01') AS z_e0, TRIM(CAST(`plan` AS STRING)) AS z_attr0, TRIM(CAST(`mrr` AS STRING)) AS z_attr1
  FROM `subscriptions`
),
z_sub AS (
  SELECT z_a, z_s, CASE WHEN z_e0 >= 19843 THEN NULL ELSE z_e0 END AS z_e, z_attr0, z_attr1 FROM z_sub0 WHERE z_s < 19843
),
z_flag AS (
  SELECT z_a, z_s, z_e, CASE WHEN z_pm IS NULL OR z_s > z_pm + 0 THEN 1 ELSE 0 END AS z_new
  FROM (SELECT z_a, z_s, z_e, MAX(COALESCE(z_e, CAST(1099511627776 AS BIGINT))) OVER (PARTITION BY z_a ORDER BY z_s, z_e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS z_pm FROM z_sub) z_f0
),
z_pid AS (
  SELECT z_a, z_s, z_e, SUM(z_new) OVER (PARTITION BY z_a ORDER BY z_s, z_e ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_p FROM z_flag
),
z_per AS (
  SELECT z_a, MIN(z_s) AS z_ps, CASE WHEN MAX(COALESCE(z_e, CAST(1099511627776 AS BIGINT))) >= CAST(1099511627776 AS BIGINT) THEN NULL ELSE MAX(z_e) END AS z_pe
  FROM z_pid GROUP BY z_a, z_p
),
z_first AS (
  SELECT z_a, MIN(z_s) AS z_fs FROM z_sub GROUP BY z_a
),
z_dates AS (
  SELECT CAST(19754 AS BIGINT) AS z_t UNION ALL SELECT CAST(19783 AS BIGINT) AS z_t UNION ALL SELECT CAST(19814 AS BIGINT) AS z_t
),
z_cand AS (
  SELECT z_first.z_a, z_dates.z_t FROM z_first CROSS JOIN z_dates
),
z_lab AS (
  SELECT c.z_a, c.z_t, c.z_we,
    MAX(CASE WHEN p.z_ps < c.z_t AND (p.z_pe IS NULL OR c.z_t <= p.z_pe) THEN 1 ELSE 0 END) AS z_alive,
    MAX(CASE WHEN p.z_pe >= c.z_t AND p.z_pe < c.z_t + 0 THEN 1 ELSE 0 END) AS z_inlead,
    MAX(CASE WHEN p.z_pe >= c.z_t + 0 AND p.z_pe < c.z_we THEN 1 ELSE 0 END) AS z_churned
  FROM (SELECT c.z_a, c.z_t, (c.z_t + 28) AS z_we FROM z_cand c) c JOIN z_per p ON p.z_a = c.z_a
  GROUP BY c.z_a, c.z_t, c.z_we
),
z_snap AS (
  SELECT l.z_a, l.z_t, l.z_churned, f.z_fs FROM z_lab l JOIN z_first f ON f.z_a = l.z_a WHERE z_alive = 1 AND (z_churned = 1 OR z_we <= 19843)
),
z_act AS (
  SELECT TRIM(CAST(`account_id` AS STRING)) AS z_a, datediff(CAST(`timestamp` AS DATE), DATE '1970-01-01') AS z_d, TRIM(CAST(`event_type` AS STRING)) AS z_ty, CAST(NULL AS DOUBLE) AS z_v FROM `activity`
),
z_day AS (
  SELECT z_a, z_d, COUNT(*) AS z_r_any, SUM(CASE WHEN z_ty = 'login' THEN 1 ELSE 0 END) AS z_r_0, SUM(CASE WHEN z_ty = 'dashboard_view' THEN 1 ELSE 0 END) AS z_r_1, SUM(CASE WHEN z_ty = 'report_export' THEN 1 ELSE 0 END) AS z_r_2, SUM(CASE WHEN z_ty = 'api_call' THEN 1 ELSE 0 END) AS z_r_3, SUM(CASE WHEN z_ty = 'invite_user' THEN 1 ELSE 0 END) AS z_r_4, SUM(CASE WHEN z_ty = 'integration_sync' THEN 1 ELSE 0 END) AS z_r_5
  FROM z_act WHERE z_a IN (SELECT z_a FROM z_snap) GROUP BY z_a, z_d
),
z_win AS (
  SELECT s.z_a, s.z_t,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 7 THEN dd.z_r_0 END), CAST(0 AS BIGINT)) AS z_x0,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 7 THEN CASE WHEN dd.z_r_0 > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x1,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_r_0 END), CAST(0 AS BIGINT)) AS z_x2,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN CASE WHEN dd.z_r_0 > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x3,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 7 THEN dd.z_r_1 END), CAST(0 AS BIGINT)) AS z_x4,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 7 THEN CASE WHEN dd.z_r_1 > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x5,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_r_1 END), CAST(0 AS BIGINT)) AS z_x6,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN CASE WHEN dd.z_r_1 > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x7,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 7 THEN dd.z_r_any END), CAST(0 AS BIGINT)) AS z_x8,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 7 THEN CASE WHEN dd.z_r_any > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x9,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_r_any END), CAST(0 AS BIGINT)) AS z_x10,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN CASE WHEN dd.z_r_any > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x11,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 14 THEN dd.z_r_0 END), CAST(0 AS BIGINT)) AS z_x12,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 AND dd.z_d < s.z_t - 14 THEN dd.z_r_0 END), CAST(0 AS BIGINT)) AS z_x13,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 14 THEN dd.z_r_any END), CAST(0 AS BIGINT)) AS z_x14,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 AND dd.z_d < s.z_t - 14 THEN dd.z_r_any END), CAST(0 AS BIGINT)) AS z_x15,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * ((dd.z_d - s.z_t + 56) div (7)) - 7) * dd.z_r_any END), CAST(0 AS BIGINT)) AS z_x16,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN dd.z_r_any END), CAST(0 AS BIGINT)) AS z_x17,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 30 THEN CASE WHEN dd.z_r_any > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x18,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_r_3 END), CAST(0 AS BIGINT)) AS z_x19
  FROM z_snap s LEFT JOIN z_day dd ON dd.z_a = s.z_a AND dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t
  GROUP BY s.z_a, s.z_t
),
z_ev AS (
  SELECT z_a, 2 * z_d + 1 AS z_k, CAST(NULL AS BIGINT) AS z_t, CASE WHEN z_r_any > 0 THEN z_d END AS z_l_any, CASE WHEN z_r_0 > 0 THEN z_d END AS z_l_0 FROM z_day
  UNION ALL SELECT z_a, 2 * z_t AS z_k, z_t, CAST(NULL AS BIGINT) AS z_l_any, CAST(NULL AS BIGINT) AS z_l_0 FROM z_snap
),
z_rec AS (
  SELECT * FROM (SELECT z_a, z_t, MAX(z_l_any) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_last_any, MAX(z_l_0) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_last_0 FROM z_ev) z_r0 WHERE z_t IS NOT NULL
),
z_sa AS (
  SELECT z_a, z_t, z_attr0, z_attr1 FROM (SELECT s.z_a, s.z_t, u.z_attr0, u.z_attr1, ROW_NUMBER() OVER (PARTITION BY s.z_a, s.z_t ORDER BY u.z_s DESC, u.z_e DESC NULLS FIRST) AS z_rn FROM z_snap s JOIN z_sub u ON u.z_a = s.z_a AND u.z_s < s.z_t) z_s0 WHERE z_rn = 1
),
z_st0 AS (
  SELECT TRIM(CAST(`account_id` AS STRING)) AS z_a, TRIM(CAST(`region` AS STRING)) AS z_c0 FROM `static_1`
)
SELECT
  s.z_a AS `account_id`,
  date_add(DATE '1970-01-01', CAST(s.z_t AS INT)) AS `snapshot_date`,
  CAST(w.z_x0 AS DOUBLE) AS `login_count_7d`,
  CAST(w.z_x1 AS DOUBLE) AS `login_active_days_7d`,
  CAST(w.z_x2 AS DOUBLE) AS `login_count_28d`,
  CAST(w.z_x3 AS DOUBLE) AS `login_active_days_28d`,
  CAST(w.z_x4 AS DOUBLE) AS `view_count_7d`,
  CAST(w.z_x5 AS DOUBLE) AS `view_active_days_7d`,
  CAST(w.z_x6 AS DOUBLE) AS `view_count_28d`,
  CAST(w.z_x7 AS DOUBLE) AS `view_active_days_28d`,
  CAST(w.z_x8 AS DOUBLE) AS `any_count_7d`,
  CAST(w.z_x9 AS DOUBLE) AS `any_active_days_7d`,
  CAST(w.z_x10 AS DOUBLE) AS `any_count_28d`,
  CAST(w.z_x11 AS DOUBLE) AS `any_active_days_28d`,
  CASE WHEN (CAST(w.z_x13 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x12 AS DOUBLE)) - (CAST(w.z_x13 AS DOUBLE))) / (CAST(w.z_x13 AS DOUBLE)) WHEN (CAST(w.z_x12 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS `login_count_velocity_14d`,
  CASE WHEN (CAST(w.z_x15 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x14 AS DOUBLE)) - (CAST(w.z_x15 AS DOUBLE))) / (CAST(w.z_x15 AS DOUBLE)) WHEN (CAST(w.z_x14 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS `any_count_velocity_14d`,
  CASE WHEN (CAST(w.z_x14 AS DOUBLE)) + (CAST(w.z_x15 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x14 AS DOUBLE)) - (CAST(w.z_x15 AS DOUBLE))) / ((CAST(w.z_x14 AS DOUBLE)) + (CAST(w.z_x15 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS `any_count_velocity_bounded_14d`,
  CASE WHEN CAST(w.z_x17 AS DOUBLE) <> 0 THEN (CAST(w.z_x16 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE)) / (CAST(w.z_x17 AS DOUBLE) / CAST(8e0 AS DOUBLE)) ELSE CAST(0e0 AS DOUBLE) END AS `any_trend_norm_8x7d`,
  CASE WHEN r.z_last_any IS NULL THEN CAST(s.z_t - s.z_fs AS DOUBLE) ELSE CAST(s.z_t - r.z_last_any AS DOUBLE) END AS `days_since_any`,
  CASE WHEN r.z_last_0 IS NULL THEN CAST(s.z_t - s.z_fs AS DOUBLE) ELSE CAST(s.z_t - r.z_last_0 AS DOUBLE) END AS `days_since_login`,
  CAST(s.z_t - s.z_fs AS DOUBLE) AS `tenure_days`,
  CASE WHEN (CAST(w.z_x2 AS DOUBLE)) <> 0 THEN (CAST(w.z_x6 AS DOUBLE)) / (CAST(w.z_x2 AS DOUBLE)) ELSE CAST(0e0 AS DOUBLE) END AS `view_per_login_28d`,
  CASE WHEN CAST(w.z_x18 AS DOUBLE) > 0 THEN CAST(w.z_x9 AS DOUBLE) / CAST(w.z_x18 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END AS `any_stickiness_7_30d`,
  CASE WHEN (CAST(w.z_x19 AS DOUBLE)) < 0 THEN -log1p((-(CAST(w.z_x19 AS DOUBLE)))) ELSE log1p((CAST(w.z_x19 AS DOUBLE))) END AS `api_call_count_28d_log1p`,
  sa.z_attr0 AS `plan`,
  sa.z_attr1 AS `mrr`,
  st0.z_c0 AS `region`,
  CAST(s.z_churned AS BIGINT) AS `churned`
FROM z_snap s
  LEFT JOIN z_win w ON w.z_a = s.z_a AND w.z_t = s.z_t
  LEFT JOIN z_rec r ON r.z_a = s.z_a AND r.z_t = s.z_t
  LEFT JOIN z_sa sa ON sa.z_a = s.z_a AND sa.z_t = s.z_t
  LEFT JOIN z_st0 st0 ON st0.z_a = s.z_a
ORDER BY 1, 2
