WITH `src_1_subscriptions` AS (
  SELECT
    *
  FROM (
    SELECT
      *,
      CAST(DATE_TRUNC('MONTH', TRY_TO_TIMESTAMP(`started_at`)) AS DATE) AS `__period`
    FROM (
      SELECT
        *
      FROM subscriptions
    ) AS r
  ) AS f
), `bounds_1_subscriptions` AS (
  SELECT
    MIN(CAST(DATE_TRUNC('MONTH', TRY_TO_TIMESTAMP(`started_at`)) AS DATE)) AS `__first`,
    MAX(
      COALESCE(
        CAST(DATE_TRUNC('MONTH', TRY_TO_TIMESTAMP(`ended_at`)) AS DATE),
        CAST(DATE_TRUNC('MONTH', TRY_TO_TIMESTAMP(`started_at`)) AS DATE)
      )
    ) AS `__last`
  FROM `src_1_subscriptions`
), `spine_1_subscriptions` AS (
  SELECT
    EXPLODE(SEQUENCE(`__first`, `__last`, INTERVAL '1' MONTH)) AS `__period`
  FROM `bounds_1_subscriptions`
), `results_0` AS (
  SELECT
    'churn' AS `metric`,
    `sp`.`__period` AS `__period`,
    CAST(100 * CASE
      WHEN COUNT(
        DISTINCT CASE
          WHEN TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
          AND (
            `r`.`ended_at` IS NULL
            OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
          )
          THEN `r`.`customer_id`
        END
      ) <> 0
      THEN CAST(COUNT(
        DISTINCT CASE
          WHEN TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
          AND TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
          AND TRY_TO_TIMESTAMP(`r`.`ended_at`) < CAST(CAST(ADD_MONTHS(`sp`.`__period`, 1) AS DATE) AS TIMESTAMP)
          THEN `r`.`customer_id`
        END
      ) AS DOUBLE) / CAST(COUNT(
        DISTINCT CASE
          WHEN TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
          AND (
            `r`.`ended_at` IS NULL
            OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
          )
          THEN `r`.`customer_id`
        END
      ) AS DOUBLE)
    END AS DOUBLE) AS `value`,
    CAST(COUNT(
      DISTINCT CASE
        WHEN TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
        AND (
          `r`.`ended_at` IS NULL
          OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
        )
        THEN `r`.`customer_id`
      END
    ) AS BIGINT) AS `n`,
    CAST(0 AS BIGINT) AS `invalid`,
    CAST(NULL AS DOUBLE) AS `moe`
  FROM `spine_1_subscriptions` AS sp
  CROSS JOIN `src_1_subscriptions` AS r
  GROUP BY
    `sp`.`__period`
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
        AND (
          `r`.`ended_at` IS NULL
          OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
        )
        THEN `r`.`customer_id`
      END
    ) > 0
  UNION ALL
  SELECT
    'retention' AS `metric`,
    `sp`.`__period` AS `__period`,
    CAST(100 - (
      100 * CASE
        WHEN COUNT(
          DISTINCT CASE
            WHEN (
              TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
              AND (
                `r`.`ended_at` IS NULL
                OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
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
              TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
              AND TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
              AND TRY_TO_TIMESTAMP(`r`.`ended_at`) < CAST(CAST(ADD_MONTHS(`sp`.`__period`, 1) AS DATE) AS TIMESTAMP)
            )
            AND (
              (
                r.`plan` <> 'trial'
              )
            )
            THEN `r`.`customer_id`
          END
        ) AS DOUBLE) / CAST(COUNT(
          DISTINCT CASE
            WHEN (
              TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
              AND (
                `r`.`ended_at` IS NULL
                OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
              )
            )
            AND (
              (
                r.`plan` <> 'trial'
              )
            )
            THEN `r`.`customer_id`
          END
        ) AS DOUBLE)
      END
    ) AS DOUBLE) AS `value`,
    CAST(COUNT(
      DISTINCT CASE
        WHEN (
          TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
          AND (
            `r`.`ended_at` IS NULL
            OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
          )
        )
        AND (
          (
            r.`plan` <> 'trial'
          )
        )
        THEN `r`.`customer_id`
      END
    ) AS BIGINT) AS `n`,
    CAST(0 AS BIGINT) AS `invalid`,
    CAST(NULL AS DOUBLE) AS `moe`
  FROM `spine_1_subscriptions` AS sp
  CROSS JOIN `src_1_subscriptions` AS r
  GROUP BY
    `sp`.`__period`
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN (
          TRY_TO_TIMESTAMP(`r`.`started_at`) < CAST(`sp`.`__period` AS TIMESTAMP)
          AND (
            `r`.`ended_at` IS NULL
            OR TRY_TO_TIMESTAMP(`r`.`ended_at`) >= CAST(`sp`.`__period` AS TIMESTAMP)
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
  `value`,
  `n`,
  `invalid`,
  `moe`
FROM `results_0`
WHERE
  `metric` IN ('churn', 'retention')
ORDER BY
  `metric`,
  `__period`
