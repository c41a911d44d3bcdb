WITH z_sub0 AS (
  SELECT TRIM(CAST("account_id" AS VARCHAR)) AS z_a, DATEDIFF(day, DATE '1970-01-01', CAST("start_date" AS DATE)) AS z_s, DATEDIFF(day, DATE '1970-01-01', CAST("end_date" AS DATE)) AS z_e0
  FROM "subscriptions"
),
z_sub AS (
  SELECT z_a, z_s, CASE WHEN z_e0 >= 18393 THEN NULL ELSE z_e0 END AS z_e FROM z_sub0 WHERE z_s < 18393
),
z_flag AS (
  SELECT z_a, z_s, z_e, CASE WHEN z_pm IS NULL OR z_s > z_pm + 7 THEN 1 ELSE 0 END AS z_new
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
z_ann0 AS (
  SELECT z_a, z_ps, z_pe, z_klo, z_khi FROM (SELECT z_a, z_ps, z_pe, GREATEST(1, 24241 - (EXTRACT(YEAR FROM DATEADD(day, z_ps, DATE '1970-01-01')) * 12 + EXTRACT(MONTH FROM DATEADD(day, z_ps, DATE '1970-01-01')) - 1)) AS z_klo, 24244 - (EXTRACT(YEAR FROM DATEADD(day, z_ps, DATE '1970-01-01')) * 12 + EXTRACT(MONTH FROM DATEADD(day, z_ps, DATE '1970-01-01')) - 1) AS z_khi FROM z_per WHERE NOT (z_pe IS NOT NULL AND z_pe <= 18325)) z_q WHERE z_klo <= z_khi
),
z_ann1 AS (
  SELECT z_a, z_ps, z_pe, CAST(z_g.value AS INTEGER) AS z_k FROM z_ann0, LATERAL FLATTEN(ARRAY_GENERATE_RANGE(z_klo, z_khi + 1)) z_g
),
z_ann2 AS (
  SELECT z_a, z_pe, DATEDIFF(day, DATE '1970-01-01', CAST(DATEADD(month, z_k, DATEADD(day, z_ps, DATE '1970-01-01')) AS DATE)) - 5 AS z_t FROM z_ann1
),
z_cand AS (
  SELECT DISTINCT z_a, z_t FROM z_ann2 WHERE z_t >= 18301 AND z_t <= 18392 AND (z_pe IS NULL OR z_t <= z_pe)
),
z_lab AS (
  SELECT c.z_a, c.z_t, c.z_we,
    MAX(CASE WHEN p.z_ps < c.z_t AND (p.z_pe IS NULL OR c.z_t <= p.z_pe) THEN 1 ELSE 0 END) AS z_alive,
    MAX(CASE WHEN p.z_pe >= c.z_t AND p.z_pe < c.z_t + 5 THEN 1 ELSE 0 END) AS z_inlead,
    MAX(CASE WHEN p.z_pe >= c.z_t + 5 AND p.z_pe < c.z_we THEN 1 ELSE 0 END) AS z_churned
  FROM (SELECT c.z_a, c.z_t, DATEDIFF(day, DATE '1970-01-01', CAST(DATEADD(month, 1, DATEADD(day, (c.z_t + 5), DATE '1970-01-01')) AS DATE)) AS z_we FROM z_cand c) c JOIN z_per p ON p.z_a = c.z_a
  GROUP BY c.z_a, c.z_t, c.z_we
),
z_snap AS (
  SELECT l.z_a, l.z_t, l.z_churned, f.z_fs FROM z_lab l JOIN z_first f ON f.z_a = l.z_a WHERE z_alive = 1 AND z_inlead = 0
),
z_act AS (
  SELECT TRIM(CAST("account_id" AS VARCHAR)) AS z_a, DATEDIFF(day, DATE '1970-01-01', CAST("date" AS DATE)) AS z_d, TRIM(CAST("event_type_id" AS VARCHAR)) AS z_ty, CAST("count" AS DOUBLE) AS z_v FROM "activity"
),
z_day AS (
  SELECT z_a, z_d, COUNT(*) AS z_r_any, COALESCE(SUM(z_v), CAST(0e0 AS DOUBLE)) AS z_v_any, SUM(CASE WHEN z_ty = '0' THEN 1 ELSE 0 END) AS z_r_0, COALESCE(SUM(CASE WHEN z_ty = '0' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_0, SUM(CASE WHEN z_ty = '1' THEN 1 ELSE 0 END) AS z_r_1, COALESCE(SUM(CASE WHEN z_ty = '1' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_1, SUM(CASE WHEN z_ty = '2' THEN 1 ELSE 0 END) AS z_r_2, COALESCE(SUM(CASE WHEN z_ty = '2' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_2, SUM(CASE WHEN z_ty = '3' THEN 1 ELSE 0 END) AS z_r_3, COALESCE(SUM(CASE WHEN z_ty = '3' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_3, SUM(CASE WHEN z_ty = '4' THEN 1 ELSE 0 END) AS z_r_4, COALESCE(SUM(CASE WHEN z_ty = '4' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_4, SUM(CASE WHEN z_ty = '5' THEN 1 ELSE 0 END) AS z_r_5, COALESCE(SUM(CASE WHEN z_ty = '5' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_5, SUM(CASE WHEN z_ty = '6' THEN 1 ELSE 0 END) AS z_r_6, COALESCE(SUM(CASE WHEN z_ty = '6' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_6, SUM(CASE WHEN z_ty = '7' THEN 1 ELSE 0 END) AS z_r_7, COALESCE(SUM(CASE WHEN z_ty = '7' THEN z_v END), CAST(0e0 AS DOUBLE)) AS z_v_7
  FROM z_act WHERE z_a IN (SELECT z_a FROM z_snap) GROUP BY z_a, z_d
),
z_win AS (
  SELECT s.z_a, s.z_t,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x0,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_1 END), CAST(0e0 AS DOUBLE)) AS z_x1,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_2 END), CAST(0e0 AS DOUBLE)) AS z_x2,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_3 END), CAST(0e0 AS DOUBLE)) AS z_x3,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_4 END), CAST(0e0 AS DOUBLE)) AS z_x4,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_5 END), CAST(0e0 AS DOUBLE)) AS z_x5,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_6 END), CAST(0e0 AS DOUBLE)) AS z_x6,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN dd.z_v_7 END), CAST(0e0 AS DOUBLE)) AS z_x7,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x8,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_1 END), CAST(0e0 AS DOUBLE)) AS z_x9,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_2 END), CAST(0e0 AS DOUBLE)) AS z_x10,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_3 END), CAST(0e0 AS DOUBLE)) AS z_x11,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_4 END), CAST(0e0 AS DOUBLE)) AS z_x12,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_5 END), CAST(0e0 AS DOUBLE)) AS z_x13,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_6 END), CAST(0e0 AS DOUBLE)) AS z_x14,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t - 28 THEN dd.z_v_7 END), CAST(0e0 AS DOUBLE)) AS z_x15,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_0 END), CAST(0e0 AS DOUBLE)) AS z_x16,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_1 END), CAST(0e0 AS DOUBLE)) AS z_x17,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_2 END), CAST(0e0 AS DOUBLE)) AS z_x18,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_3 END), CAST(0e0 AS DOUBLE)) AS z_x19,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_4 END), CAST(0e0 AS DOUBLE)) AS z_x20,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_5 END), CAST(0e0 AS DOUBLE)) AS z_x21,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_6 END), CAST(0e0 AS DOUBLE)) AS z_x22,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 56 THEN (2 * FLOOR((dd.z_d - s.z_t + 56) / (7)) - 7) * dd.z_v_7 END), CAST(0e0 AS DOUBLE)) AS z_x23,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 28 THEN CASE WHEN dd.z_r_any > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x24,
    COALESCE(SUM(CASE WHEN dd.z_d >= s.z_t - 7 THEN CASE WHEN dd.z_r_any > 0 THEN 1 ELSE 0 END END), CAST(0 AS BIGINT)) AS z_x25
  FROM z_snap s LEFT JOIN z_day dd ON dd.z_a = s.z_a AND dd.z_d >= s.z_t - 56 AND dd.z_d < s.z_t
  GROUP BY s.z_a, s.z_t
),
z_ev AS (
  SELECT z_a, 2 * z_d + 1 AS z_k, CAST(NULL AS BIGINT) AS z_t, CASE WHEN z_r_any > 0 THEN z_d END AS z_l_any FROM z_day
  UNION ALL SELECT z_a, 2 * z_t AS z_k, z_t, CAST(NULL AS BIGINT) AS z_l_any FROM z_snap
),
z_rec AS (
  SELECT * FROM (SELECT z_a, z_t, MAX(z_l_any) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_last_any FROM z_ev) z_r0 WHERE z_t IS NOT NULL
),
z_st0 AS (
  SELECT TRIM(CAST("account_id" AS VARCHAR)) AS z_a, TRIM(CAST("channel" AS VARCHAR)) AS z_c0 FROM "static_1"
)
SELECT
  s.z_a AS "account_id",
  DATEADD(day, s.z_t, DATE '1970-01-01') AS "snapshot_date",
  CAST(w.z_x0 AS DOUBLE) AS "post_count_28d",
  CAST(w.z_x1 AS DOUBLE) AS "newfriend_count_28d",
  CAST(w.z_x2 AS DOUBLE) AS "like_count_28d",
  CAST(w.z_x3 AS DOUBLE) AS "adview_count_28d",
  CAST(w.z_x4 AS DOUBLE) AS "dislike_count_28d",
  CAST(w.z_x5 AS DOUBLE) AS "unfriend_count_28d",
  CAST(w.z_x6 AS DOUBLE) AS "message_count_28d",
  CAST(w.z_x7 AS DOUBLE) AS "reply_count_28d",
  CASE WHEN (CAST(w.z_x8 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x0 AS DOUBLE)) - (CAST(w.z_x8 AS DOUBLE))) / (CAST(w.z_x8 AS DOUBLE)) WHEN (CAST(w.z_x0 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "post_count_velocity_28d",
  CASE WHEN (CAST(w.z_x9 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x1 AS DOUBLE)) - (CAST(w.z_x9 AS DOUBLE))) / (CAST(w.z_x9 AS DOUBLE)) WHEN (CAST(w.z_x1 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "newfriend_count_velocity_28d",
  CASE WHEN (CAST(w.z_x10 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x2 AS DOUBLE)) - (CAST(w.z_x10 AS DOUBLE))) / (CAST(w.z_x10 AS DOUBLE)) WHEN (CAST(w.z_x2 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "like_count_velocity_28d",
  CASE WHEN (CAST(w.z_x11 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x3 AS DOUBLE)) - (CAST(w.z_x11 AS DOUBLE))) / (CAST(w.z_x11 AS DOUBLE)) WHEN (CAST(w.z_x3 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "adview_count_velocity_28d",
  CASE WHEN (CAST(w.z_x12 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x4 AS DOUBLE)) - (CAST(w.z_x12 AS DOUBLE))) / (CAST(w.z_x12 AS DOUBLE)) WHEN (CAST(w.z_x4 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "dislike_count_velocity_28d",
  CASE WHEN (CAST(w.z_x13 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x5 AS DOUBLE)) - (CAST(w.z_x13 AS DOUBLE))) / (CAST(w.z_x13 AS DOUBLE)) WHEN (CAST(w.z_x5 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "unfriend_count_velocity_28d",
  CASE WHEN (CAST(w.z_x14 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x6 AS DOUBLE)) - (CAST(w.z_x14 AS DOUBLE))) / (CAST(w.z_x14 AS DOUBLE)) WHEN (CAST(w.z_x6 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "message_count_velocity_28d",
  CASE WHEN (CAST(w.z_x15 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x7 AS DOUBLE)) - (CAST(w.z_x15 AS DOUBLE))) / (CAST(w.z_x15 AS DOUBLE)) WHEN (CAST(w.z_x7 AS DOUBLE)) = 0 THEN CAST(0e0 AS DOUBLE) ELSE CAST(1e0 AS DOUBLE) END AS "reply_count_velocity_28d",
  CASE WHEN (CAST(w.z_x0 AS DOUBLE)) + (CAST(w.z_x8 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x0 AS DOUBLE)) - (CAST(w.z_x8 AS DOUBLE))) / ((CAST(w.z_x0 AS DOUBLE)) + (CAST(w.z_x8 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "post_count_velocity_bounded_28d",
  CASE WHEN (CAST(w.z_x1 AS DOUBLE)) + (CAST(w.z_x9 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x1 AS DOUBLE)) - (CAST(w.z_x9 AS DOUBLE))) / ((CAST(w.z_x1 AS DOUBLE)) + (CAST(w.z_x9 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "newfriend_count_velocity_bounded_28d",
  CASE WHEN (CAST(w.z_x2 AS DOUBLE)) + (CAST(w.z_x10 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x2 AS DOUBLE)) - (CAST(w.z_x10 AS DOUBLE))) / ((CAST(w.z_x2 AS DOUBLE)) + (CAST(w.z_x10 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "like_count_velocity_bounded_28d",
  CASE WHEN (CAST(w.z_x3 AS DOUBLE)) + (CAST(w.z_x11 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x3 AS DOUBLE)) - (CAST(w.z_x11 AS DOUBLE))) / ((CAST(w.z_x3 AS DOUBLE)) + (CAST(w.z_x11 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "adview_count_velocity_bounded_28d",
  CASE WHEN (CAST(w.z_x4 AS DOUBLE)) + (CAST(w.z_x12 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x4 AS DOUBLE)) - (CAST(w.z_x12 AS DOUBLE))) / ((CAST(w.z_x4 AS DOUBLE)) + (CAST(w.z_x12 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "dislike_count_velocity_bounded_28d",
  CASE WHEN (CAST(w.z_x5 AS DOUBLE)) + (CAST(w.z_x13 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x5 AS DOUBLE)) - (CAST(w.z_x13 AS DOUBLE))) / ((CAST(w.z_x5 AS DOUBLE)) + (CAST(w.z_x13 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "unfriend_count_velocity_bounded_28d",
  CASE WHEN (CAST(w.z_x6 AS DOUBLE)) + (CAST(w.z_x14 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x6 AS DOUBLE)) - (CAST(w.z_x14 AS DOUBLE))) / ((CAST(w.z_x6 AS DOUBLE)) + (CAST(w.z_x14 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "message_count_velocity_bounded_28d",
  CASE WHEN (CAST(w.z_x7 AS DOUBLE)) + (CAST(w.z_x15 AS DOUBLE)) <> 0 THEN ((CAST(w.z_x7 AS DOUBLE)) - (CAST(w.z_x15 AS DOUBLE))) / ((CAST(w.z_x7 AS DOUBLE)) + (CAST(w.z_x15 AS DOUBLE))) ELSE CAST(0e0 AS DOUBLE) END AS "reply_count_velocity_bounded_28d",
  CAST(w.z_x16 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "post_trend_8x7d",
  CAST(w.z_x17 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "newfriend_trend_8x7d",
  CAST(w.z_x18 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "like_trend_8x7d",
  CAST(w.z_x19 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "adview_trend_8x7d",
  CAST(w.z_x20 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "dislike_trend_8x7d",
  CAST(w.z_x21 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "unfriend_trend_8x7d",
  CAST(w.z_x22 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "message_trend_8x7d",
  CAST(w.z_x23 AS DOUBLE) * 6 / CAST(5.04e2 AS DOUBLE) AS "reply_trend_8x7d",
  CAST(s.z_t - s.z_fs AS DOUBLE) AS "tenure_days",
  CASE WHEN r.z_last_any IS NULL THEN CAST(s.z_t - s.z_fs AS DOUBLE) ELSE CAST(s.z_t - r.z_last_any AS DOUBLE) END AS "days_since_any",
  CAST(w.z_x24 AS DOUBLE) AS "any_active_days_28d",
  CASE WHEN CAST(w.z_x24 AS DOUBLE) > 0 THEN CAST(w.z_x25 AS DOUBLE) / CAST(w.z_x24 AS DOUBLE) ELSE CAST(0e0 AS DOUBLE) END AS "any_stickiness_7_28d",
  CASE WHEN (CAST(w.z_x6 AS DOUBLE)) <> 0 THEN (CAST(w.z_x7 AS DOUBLE)) / (CAST(w.z_x6 AS DOUBLE)) ELSE CAST(0e0 AS DOUBLE) END AS "reply_per_message_28d",
  CASE WHEN (CAST(w.z_x2 AS DOUBLE)) < 0 THEN -LN(1 + (-(CAST(w.z_x2 AS DOUBLE)))) ELSE LN(1 + (CAST(w.z_x2 AS DOUBLE))) END AS "like_count_28d_log1p",
  st0.z_c0 AS "channel",
  CAST(s.z_churned AS BIGINT) AS "churned"
FROM z_snap s
  LEFT JOIN z_win w ON w.z_a = s.z_a AND w.z_t = s.z_t
  LEFT JOIN z_rec r ON r.z_a = s.z_a AND r.z_t = s.z_t
  LEFT JOIN z_st0 st0 ON st0.z_a = s.z_a
ORDER BY 1, 2
