WITH [src_1_subscriptions] AS (
  SELECT
    *
  FROM (
    SELECT
      *,
      CAST(DATETRUNC(WEEK, CAST([started_at] AS DATETIME2)) AS DATE) AS [__period],
      [channel] AS [__dim_channel]
    FROM (
      SELECT
        *
      FROM subscriptions
    ) AS r
  ) AS f
), [bounds_1_subscriptions] AS (
  SELECT
    MIN(CAST(DATETRUNC(WEEK, CAST([started_at] AS DATETIME2)) AS DATE)) AS [__first],
    MAX(
      COALESCE(
        CAST(DATETRUNC(WEEK, CAST([ended_at] AS DATETIME2)) AS DATE),
        CAST(DATETRUNC(WEEK, CAST([started_at] AS DATETIME2)) AS DATE)
      )
    ) AS [__last]
  FROM [src_1_subscriptions]
), [spine_1_subscriptions] AS (
  SELECT
    [__first] AS [__period]
  FROM [bounds_1_subscriptions]
  UNION ALL
  SELECT
    CAST(DATEADD(DAY, 7, [sp].[__period]) AS DATE) AS [__period]
  FROM [spine_1_subscriptions] AS sp, [bounds_1_subscriptions]
  WHERE
    [sp].[__period] < [__last]
), [results_0] AS (
  SELECT
    'churn' AS [metric],
    [sp].[__period] AS [__period],
    [r].[__dim_channel] AS [__dim_channel],
    CAST(100 * CASE
      WHEN COUNT(
        DISTINCT CASE
          WHEN CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
          AND (
            [r].[ended_at] IS NULL
            OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
          )
          THEN [r].[customer_id]
        END
      ) <> 0
      THEN CAST(COUNT(
        DISTINCT CASE
          WHEN CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
          AND CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
          AND CAST([r].[ended_at] AS DATETIME2) < CAST(CAST(DATEADD(DAY, 7, [sp].[__period]) AS DATE) AS DATETIME2)
          THEN [r].[customer_id]
        END
      ) AS FLOAT) / CAST(COUNT(
        DISTINCT CASE
          WHEN CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
          AND (
            [r].[ended_at] IS NULL
            OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
          )
          THEN [r].[customer_id]
        END
      ) AS FLOAT)
    END AS FLOAT) AS [value],
    CAST(COUNT(
      DISTINCT CASE
        WHEN CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
        AND (
          [r].[ended_at] IS NULL
          OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
        )
        THEN [r].[customer_id]
      END
    ) AS BIGINT) AS [n],
    CAST(0 AS BIGINT) AS [invalid],
    CAST(NULL AS FLOAT) AS [moe]
  FROM [spine_1_subscriptions] AS sp
  CROSS JOIN [src_1_subscriptions] AS r
  GROUP BY
    [sp].[__period],
    [r].[__dim_channel]
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
        AND (
          [r].[ended_at] IS NULL
          OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
        )
        THEN [r].[customer_id]
      END
    ) > 0
  UNION ALL
  SELECT
    'retention' AS [metric],
    [sp].[__period] AS [__period],
    [r].[__dim_channel] AS [__dim_channel],
    CAST(100 - (
      100 * CASE
        WHEN COUNT(
          DISTINCT CASE
            WHEN (
              CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
              AND (
                [r].[ended_at] IS NULL
                OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
              )
            )
            AND (
              (
                r.[plan] <> 'trial'
              )
            )
            THEN [r].[customer_id]
          END
        ) <> 0
        THEN CAST(COUNT(
          DISTINCT CASE
            WHEN (
              CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
              AND CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
              AND CAST([r].[ended_at] AS DATETIME2) < CAST(CAST(DATEADD(DAY, 7, [sp].[__period]) AS DATE) AS DATETIME2)
            )
            AND (
              (
                r.[plan] <> 'trial'
              )
            )
            THEN [r].[customer_id]
          END
        ) AS FLOAT) / CAST(COUNT(
          DISTINCT CASE
            WHEN (
              CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
              AND (
                [r].[ended_at] IS NULL
                OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
              )
            )
            AND (
              (
                r.[plan] <> 'trial'
              )
            )
            THEN [r].[customer_id]
          END
        ) AS FLOAT)
      END
    ) AS FLOAT) AS [value],
    CAST(COUNT(
      DISTINCT CASE
        WHEN (
          CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
          AND (
            [r].[ended_at] IS NULL
            OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
          )
        )
        AND (
          (
            r.[plan] <> 'trial'
          )
        )
        THEN [r].[customer_id]
      END
    ) AS BIGINT) AS [n],
    CAST(0 AS BIGINT) AS [invalid],
    CAST(NULL AS FLOAT) AS [moe]
  FROM [spine_1_subscriptions] AS sp
  CROSS JOIN [src_1_subscriptions] AS r
  GROUP BY
    [sp].[__period],
    [r].[__dim_channel]
  HAVING
    COUNT(
      DISTINCT CASE
        WHEN (
          CAST([r].[started_at] AS DATETIME2) < CAST([sp].[__period] AS DATETIME2)
          AND (
            [r].[ended_at] IS NULL
            OR CAST([r].[ended_at] AS DATETIME2) >= CAST([sp].[__period] AS DATETIME2)
          )
        )
        AND (
          (
            r.[plan] <> 'trial'
          )
        )
        THEN [r].[customer_id]
      END
    ) > 0
)
SELECT
  [metric],
  [__period] AS [period],
  [__dim_channel] AS [channel],
  [value],
  [n],
  [invalid],
  [moe]
FROM [results_0]
WHERE
  [metric] IN ('churn', 'retention')
ORDER BY
  [metric],
  [__period],
  [__dim_channel]
