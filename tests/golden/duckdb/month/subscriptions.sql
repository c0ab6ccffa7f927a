WITH RECURSIVE "src_1_subscriptions" AS (
  SELECT
    *
  FROM (
    SELECT
      *,
      CAST(DATE_TRUNC('MONTH', MAKE_TIMESTAMP(EPOCH_US("started_at"))) AS DATE) AS "__period"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "customer_id",
          CAST(TRIM("started_at") AS TIMESTAMPTZ) AS "started_at",
          "ended_at",
          "plan"
        FROM READ_CSV('data/subscriptions.csv', all_varchar = TRUE)
      ) AS s
    ) AS r
  ) AS f
), "bounds_1_subscriptions" AS (
  SELECT
    MIN(CAST(DATE_TRUNC('MONTH', MAKE_TIMESTAMP(EPOCH_US("started_at"))) AS DATE)) AS "__first",
    MAX(
      COALESCE(
        CAST(DATE_TRUNC('MONTH', CAST("ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC') AS DATE),
        CAST(DATE_TRUNC('MONTH', MAKE_TIMESTAMP(EPOCH_US("started_at"))) AS DATE)
      )
    ) AS "__last"
  FROM "src_1_subscriptions"
), "spine_1_subscriptions" AS (
  SELECT
    "__first" AS "__period"
  FROM "bounds_1_subscriptions"
  UNION ALL
  SELECT
    CAST("sp"."__period" + INTERVAL 1 MONTH AS DATE) AS "__period"
  FROM "spine_1_subscriptions" AS sp, "bounds_1_subscriptions"
  WHERE
    "sp"."__period" < "__last"
), "results_0" AS (
  SELECT
    'churn' AS "metric",
    "sp"."__period" AS "__period",
    CAST(100 * CASE
      WHEN COUNT(
        DISTINCT CASE
          WHEN MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
          AND (
            "r"."ended_at" IS NULL
            OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
          )
          THEN "r"."customer_id"
        END
      ) <> 0
      THEN CAST(COUNT(
        DISTINCT CASE
          WHEN MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
          AND CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
          AND CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' < CAST(CAST("sp"."__period" + INTERVAL 1 MONTH AS DATE) AS TIMESTAMP)
          THEN "r"."customer_id"
        END
      ) AS DOUBLE) / CAST(COUNT(
        DISTINCT CASE
          WHEN MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
          AND (
            "r"."ended_at" IS NULL
            OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
          )
          THEN "r"."customer_id"
        END
      ) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COUNT(
      DISTINCT CASE
        WHEN MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
        AND (
          "r"."ended_at" IS NULL
          OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
        )
        THEN "r"."customer_id"
      END
    ) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "spine_1_subscriptions" AS sp
  CROSS JOIN "src_1_subscriptions" AS r
  GROUP BY
    "sp"."__period"
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
        AND (
          "r"."ended_at" IS NULL
          OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
        )
        THEN "r"."customer_id"
      END
    ) > 0
  UNION ALL
  SELECT
    'retention' AS "metric",
    "sp"."__period" AS "__period",
    CAST(100 - (
      100 * CASE
        WHEN COUNT(
          DISTINCT CASE
            WHEN (
              MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
              AND (
                "r"."ended_at" IS NULL
                OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
              )
            )
            AND (
              (
                r."plan" <> 'trial'
              )
            )
            THEN "r"."customer_id"
          END
        ) <> 0
        THEN CAST(COUNT(
          DISTINCT CASE
            WHEN (
              MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
              AND CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
              AND CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' < CAST(CAST("sp"."__period" + INTERVAL 1 MONTH AS DATE) AS TIMESTAMP)
            )
            AND (
              (
                r."plan" <> 'trial'
              )
            )
            THEN "r"."customer_id"
          END
        ) AS DOUBLE) / CAST(COUNT(
          DISTINCT CASE
            WHEN (
              MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
              AND (
                "r"."ended_at" IS NULL
                OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
              )
            )
            AND (
              (
                r."plan" <> 'trial'
              )
            )
            THEN "r"."customer_id"
          END
        ) AS DOUBLE)
      END
    ) AS DOUBLE) AS "value",
    CAST(COUNT(
      DISTINCT CASE
        WHEN (
          MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
          AND (
            "r"."ended_at" IS NULL
            OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
          )
        )
        AND (
          (
            r."plan" <> 'trial'
          )
        )
        THEN "r"."customer_id"
      END
    ) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "spine_1_subscriptions" AS sp
  CROSS JOIN "src_1_subscriptions" AS r
  GROUP BY
    "sp"."__period"
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN (
          MAKE_TIMESTAMP(EPOCH_US("r"."started_at")) < CAST("sp"."__period" AS TIMESTAMP)
          AND (
            "r"."ended_at" IS NULL
            OR CAST("r"."ended_at" AS TIMESTAMPTZ) AT TIME ZONE 'UTC' >= CAST("sp"."__period" AS TIMESTAMP)
          )
        )
        AND (
          (
            r."plan" <> 'trial'
          )
        )
        THEN "r"."customer_id"
      END
    ) > 0
)
SELECT
  "metric",
  "__period" AS "period",
  "value",
  "n",
  "invalid",
  "moe"
FROM "results_0"
WHERE
  "metric" IN ('churn', 'retention')
ORDER BY
  "metric",
  "__period"
