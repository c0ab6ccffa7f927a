WITH RECURSIVE `src_1_subscriptions` AS (
  SELECT
    *
  FROM (
    SELECT
      *,
      CAST(TIMESTAMP_TRUNC(CAST(`started_at` AS DATETIME), WEEK) AS DATE) AS `__period`,
      `channel` AS `__dim_channel`
    FROM (
      SELECT
        *
      FROM subscriptions
    ) AS r
  ) AS f
), `bounds_1_subscriptions` AS (
  SELECT
    MIN(CAST(TIMESTAMP_TRUNC(CAST(`started_at` AS DATETIME), WEEK) AS DATE)) AS `__first`,
    MAX(
      COALESCE(
        CAST(TIMESTAMP_TRUNC(CAST(`ended_at` AS DATETIME), WEEK) AS DATE),
        CAST(TIMESTAMP_TRUNC(CAST(`started_at` AS DATETIME), WEEK) AS DATE)
      )
    ) AS `__last`
  FROM `src_1_subscriptions`
), `spine_1_subscriptions` AS (
  SELECT
    `__first` AS `__period`
  FROM `bounds_1_subscriptions`
  UNION ALL
  SELECT
    CAST(DATE_ADD(`sp`.`__period`, INTERVAL 7 DAY) AS DATE) AS `__period`
  FROM `spine_1_subscriptions` AS sp, `bounds_1_subscriptions`
  WHERE
    `sp`.`__period` < `__last`
), `results_0` AS (
  SELECT
    'churn' AS `metric`,
    `sp`.`__period` AS `__period`,
    `r`.`__dim_channel` AS `__dim_channel`,
    CAST(100 * CASE
      WHEN COUNT(
        DISTINCT CASE
          WHEN CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
          AND (
            `r`.`ended_at` IS NULL
            OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
          )
          THEN `r`.`customer_id`
        END
      ) <> 0
      THEN CAST(COUNT(
        DISTINCT CASE
          WHEN CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
          AND CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
          AND CAST(`r`.`ended_at` AS DATETIME) < CAST(CAST(DATE_ADD(`sp`.`__period`, INTERVAL 7 DAY) AS DATE) AS DATETIME)
          THEN `r`.`customer_id`
        END
      ) AS FLOAT64) / CAST(COUNT(
        DISTINCT CASE
          WHEN CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
          AND (
            `r`.`ended_at` IS NULL
            OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
          )
          THEN `r`.`customer_id`
        END
      ) AS FLOAT64)
    END AS FLOAT64) AS `value`,
    CAST(COUNT(
      DISTINCT CASE
        WHEN CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
        AND (
          `r`.`ended_at` IS NULL
          OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
        )
        THEN `r`.`customer_id`
      END
    ) AS INT64) AS `n`,
    CAST(0 AS INT64) AS `invalid`,
    CAST(NULL AS FLOAT64) AS `moe`
  FROM `spine_1_subscriptions` AS sp
  CROSS JOIN `src_1_subscriptions` AS r
  GROUP BY
    `sp`.`__period`,
    `r`.`__dim_channel`
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
        AND (
          `r`.`ended_at` IS NULL
          OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
        )
        THEN `r`.`customer_id`
      END
    ) > 0
  UNION ALL
  SELECT
    'retention' AS `metric`,
    `sp`.`__period` AS `__period`,
    `r`.`__dim_channel` AS `__dim_channel`,
    CAST(100 - (
      100 * CASE
        WHEN COUNT(
          DISTINCT CASE
            WHEN (
              CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
              AND (
                `r`.`ended_at` IS NULL
                OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
              )
            )
            AND (
              (
                r.`plan` <> 'trial'
              )
            )
            THEN `r`.`customer_id`
          END
        ) <> 0
        THEN CAST(COUNT(
          DISTINCT CASE
            WHEN (
              CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
              AND CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
              AND CAST(`r`.`ended_at` AS DATETIME) < CAST(CAST(DATE_ADD(`sp`.`__period`, INTERVAL 7 DAY) AS DATE) AS DATETIME)
            )
            AND (
              (
                r.`plan` <> 'trial'
              )
            )
            THEN `r`.`customer_id`
          END
        ) AS FLOAT64) / CAST(COUNT(
          DISTINCT CASE
            WHEN (
              CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
              AND (
                `r`.`ended_at` IS NULL
                OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
              )
            )
            AND (
              (
                r.`plan` <> 'trial'
              )
            )
            THEN `r`.`customer_id`
          END
        ) AS FLOAT64)
      END
    ) AS FLOAT64) AS `value`,
    CAST(COUNT(
      DISTINCT CASE
        WHEN (
          CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
          AND (
            `r`.`ended_at` IS NULL
            OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
          )
        )
        AND (
          (
            r.`plan` <> 'trial'
          )
        )
        THEN `r`.`customer_id`
      END
    ) AS INT64) AS `n`,
    CAST(0 AS INT64) AS `invalid`,
    CAST(NULL AS FLOAT64) AS `moe`
  FROM `spine_1_subscriptions` AS sp
  CROSS JOIN `src_1_subscriptions` AS r
  GROUP BY
    `sp`.`__period`,
    `r`.`__dim_channel`
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN (
          CAST(`r`.`started_at` AS DATETIME) < CAST(`sp`.`__period` AS DATETIME)
          AND (
            `r`.`ended_at` IS NULL
            OR CAST(`r`.`ended_at` AS DATETIME) >= CAST(`sp`.`__period` AS DATETIME)
          )
        )
        AND (
          (
            r.`plan` <> 'trial'
          )
        )
        THEN `r`.`customer_id`
      END
    ) > 0
)
SELECT
  `metric`,
  `__period` AS `period`,
  `__dim_channel` AS `channel`,
  `value`,
  `n`,
  `invalid`,
  `moe`
FROM `results_0`
WHERE
  `metric` IN ('churn', 'retention')
ORDER BY
  `metric`,
  `__period`,
  `__dim_channel`
