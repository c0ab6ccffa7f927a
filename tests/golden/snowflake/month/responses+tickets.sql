WITH "src_1_responses" AS (
  SELECT
    *
  FROM (
    SELECT
      *,
      CAST(DATE_TRUNC('MONTH', CONVERT_TIMEZONE('UTC', CAST("responded_at" AS TIMESTAMPTZ))) AS DATE) AS "__period"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *,
          ROW_NUMBER() OVER (PARTITION BY "response_id" ORDER BY "responded_at" DESC NULLS LAST) AS "__row"
        FROM responses
        WHERE
          "customer_id" NOT LIKE 'test%'
      ) AS d
      WHERE
        "__row" = 1
    ) AS r
  ) AS f
  WHERE
    NOT "responded_at" IS NULL
), "lvl1_1_responses" AS (
  SELECT
    "__period",
    CASE WHEN (
      LOWER(TRIM("touchpoint")) = 'chat'
    ) THEN 1 ELSE 0 END AS "__p0",
    CASE WHEN (
      "channel" IN ('web', 'app')
    ) THEN 1 ELSE 0 END AS "__p1",
    COUNT(*) AS "__rows",
    SUM(
      CASE
        WHEN CAST("ces_score" AS DOUBLE) BETWEEN 1 AND 7
        AND CAST("ces_score" AS DOUBLE) = FLOOR(CAST("ces_score" AS DOUBLE))
        THEN 1
        ELSE 0
      END
    ) AS "__m0",
    SUM(
      CASE
        WHEN CAST("ces_score" AS DOUBLE) BETWEEN 1 AND 7
        AND CAST("ces_score" AS DOUBLE) = FLOOR(CAST("ces_score" AS DOUBLE))
        THEN CAST("ces_score" AS DOUBLE)
      END
    ) AS "__m1",
    SUM(
      CASE
        WHEN CAST("ces_score" AS DOUBLE) BETWEEN 1 AND 7
        AND CAST("ces_score" AS DOUBLE) = FLOOR(CAST("ces_score" AS DOUBLE))
        THEN CAST("ces_score" AS DOUBLE) * CAST("ces_score" AS DOUBLE)
      END
    ) AS "__m2",
    SUM(
      CASE
        WHEN NOT CAST("ces_score" AS DOUBLE) IS NULL
        AND NOT (
          CAST("ces_score" AS DOUBLE) BETWEEN 1 AND 7
          AND CAST("ces_score" AS DOUBLE) = FLOOR(CAST("ces_score" AS DOUBLE))
        )
        THEN 1
        ELSE 0
      END
    ) AS "__m3",
    SUM(
      CASE
        WHEN (
          CAST("ces_score" AS DOUBLE) BETWEEN 1 AND 7
          AND CAST("ces_score" AS DOUBLE) = FLOOR(CAST("ces_score" AS DOUBLE))
        )
        AND CAST("ces_score" AS DOUBLE) > 5
        THEN 1
        ELSE 0
      END
    ) AS "__m4",
    SUM(
      CASE
        WHEN CAST("nps_score" AS DOUBLE) BETWEEN 0 AND 10
        AND CAST("nps_score" AS DOUBLE) = FLOOR(CAST("nps_score" AS DOUBLE))
        THEN 1
        ELSE 0
      END
    ) AS "__m5",
    SUM(
      CASE
        WHEN NOT CAST("nps_score" AS DOUBLE) IS NULL
        AND NOT (
          CAST("nps_score" AS DOUBLE) BETWEEN 0 AND 10
          AND CAST("nps_score" AS DOUBLE) = FLOOR(CAST("nps_score" AS DOUBLE))
        )
        THEN 1
        ELSE 0
      END
    ) AS "__m6",
    SUM(
      CASE
        WHEN (
          CAST("nps_score" AS DOUBLE) BETWEEN 0 AND 10
          AND CAST("nps_score" AS DOUBLE) = FLOOR(CAST("nps_score" AS DOUBLE))
        )
        AND CAST("nps_score" AS DOUBLE) >= 9
        THEN 1
        ELSE 0
      END
    ) AS "__m7",
    SUM(
      CASE
        WHEN (
          CAST("nps_score" AS DOUBLE) BETWEEN 0 AND 10
          AND CAST("nps_score" AS DOUBLE) = FLOOR(CAST("nps_score" AS DOUBLE))
        )
        AND CAST("nps_score" AS DOUBLE) <= 6
        THEN 1
        ELSE 0
      END
    ) AS "__m8",
    SUM(
      CASE
        WHEN CAST("csat_score" AS DOUBLE) BETWEEN 1 AND 5
        AND CAST("csat_score" AS DOUBLE) = FLOOR(CAST("csat_score" AS DOUBLE))
        THEN 1
        ELSE 0
      END
    ) AS "__m9",
    SUM(
      CASE
        WHEN CAST("csat_score" AS DOUBLE) BETWEEN 1 AND 5
        AND CAST("csat_score" AS DOUBLE) = FLOOR(CAST("csat_score" AS DOUBLE))
        THEN CAST("csat_score" AS DOUBLE)
      END
    ) AS "__m10",
    SUM(
      CASE
        WHEN CAST("csat_score" AS DOUBLE) BETWEEN 1 AND 5
        AND CAST("csat_score" AS DOUBLE) = FLOOR(CAST("csat_score" AS DOUBLE))
        THEN CAST("csat_score" AS DOUBLE) * CAST("csat_score" AS DOUBLE)
      END
    ) AS "__m11",
    SUM(
      CASE
        WHEN NOT CAST("csat_score" AS DOUBLE) IS NULL
        AND NOT (
          CAST("csat_score" AS DOUBLE) BETWEEN 1 AND 5
          AND CAST("csat_score" AS DOUBLE) = FLOOR(CAST("csat_score" AS DOUBLE))
        )
        THEN 1
        ELSE 0
      END
    ) AS "__m12",
    SUM(
      CASE
        WHEN (
          CAST("csat_score" AS DOUBLE) BETWEEN 1 AND 5
          AND CAST("csat_score" AS DOUBLE) = FLOOR(CAST("csat_score" AS DOUBLE))
        )
        AND CAST("csat_score" AS DOUBLE) > 3
        THEN 1
        ELSE 0
      END
    ) AS "__m13"
  FROM "src_1_responses"
  GROUP BY
    "__period",
    CASE WHEN (
      LOWER(TRIM("touchpoint")) = 'chat'
    ) THEN 1 ELSE 0 END,
    CASE WHEN (
      "channel" IN ('web', 'app')
    ) THEN 1 ELSE 0 END
), "src_2_tickets" AS (
  SELECT
    *
  FROM (
    SELECT
      *,
      CAST(DATE_TRUNC('MONTH', CONVERT_TIMEZONE('UTC', CAST("opened_at" AS TIMESTAMPTZ))) AS DATE) AS "__period"
    FROM (
      SELECT
        *
      FROM tickets
    ) AS r
  ) AS f
  WHERE
    NOT "opened_at" IS NULL
), "lvl1_2_tickets" AS (
  SELECT
    "__period",
    CASE WHEN (
      "queue" = 'billing'
    ) THEN 1 ELSE 0 END AS "__p0",
    COUNT(*) AS "__rows",
    SUM(CASE WHEN NOT "ticket_id" IS NULL THEN 1 ELSE 0 END) AS "__m0",
    SUM(CASE WHEN "resolved_first" THEN 1 ELSE 0 END) AS "__m1",
    SUM(CASE WHEN NOT CAST("handle_seconds" AS DOUBLE) IS NULL THEN 1 ELSE 0 END) AS "__m2",
    MAX(
      CASE
        WHEN NOT CAST("handle_seconds" AS DOUBLE) IS NULL
        THEN CAST("handle_seconds" AS DOUBLE)
      END
    ) AS "__m3",
    SUM(
      CASE
        WHEN NOT CAST("handle_seconds" AS DOUBLE) IS NULL
        THEN CAST("handle_seconds" AS DOUBLE)
      END
    ) AS "__m4",
    SUM(
      CASE
        WHEN NOT CAST("handle_seconds" AS DOUBLE) IS NULL
        THEN CAST("handle_seconds" AS DOUBLE) * CAST("handle_seconds" AS DOUBLE)
      END
    ) AS "__m5",
    MIN(
      CASE
        WHEN NOT CAST("handle_seconds" AS DOUBLE) IS NULL
        THEN CAST("handle_seconds" AS DOUBLE)
      END
    ) AS "__m6"
  FROM "src_2_tickets"
  GROUP BY
    "__period",
    CASE WHEN (
      "queue" = 'billing'
    ) THEN 1 ELSE 0 END
), "results_0" AS (
  SELECT
    'ces' AS "metric",
    "__period",
    CAST(CASE
      WHEN COALESCE(SUM("__m0"), 0) <> 0
      THEN CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m0"), 0) AS BIGINT) AS "n",
    CAST(COALESCE(SUM("__m3"), 0) AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM("__m0"), 0) > 1
      THEN (
        1.96 * CASE
          WHEN (
            (
              CAST(COALESCE(SUM("__m2"), 0) AS DOUBLE) - (
                (
                  CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) * CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE)
                ) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
              )
            ) / CAST(COALESCE(SUM("__m0"), 0) - 1 AS DOUBLE)
          ) > 0
          THEN SQRT(
            (
              CAST(COALESCE(SUM("__m2"), 0) AS DOUBLE) - (
                (
                  CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) * CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE)
                ) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
              )
            ) / CAST(COALESCE(SUM("__m0"), 0) - 1 AS DOUBLE)
          )
          ELSE 0
        END
      ) / SQRT(CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE))
    END AS DOUBLE) AS "moe"
  FROM "lvl1_1_responses"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'ces_top' AS "metric",
    "__period",
    CAST(100 * CASE
      WHEN COALESCE(SUM("__m0"), 0) <> 0
      THEN CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m0"), 0) AS BIGINT) AS "n",
    CAST(COALESCE(SUM("__m3"), 0) AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM("__m0"), 0) > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            CASE
              WHEN COALESCE(SUM("__m0"), 0) <> 0
              THEN CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
            END * (
              1 - CASE
                WHEN COALESCE(SUM("__m0"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
              END
            )
          ) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            CASE
              WHEN COALESCE(SUM("__m0"), 0) <> 0
              THEN CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
            END * (
              1 - CASE
                WHEN COALESCE(SUM("__m0"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
              END
            )
          ) / CAST(COALESCE(SUM("__m0"), 0) AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM "lvl1_1_responses"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'chat_nps' AS "metric",
    "__period",
    CAST(100 * (
      CASE
        WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
        THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m7" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
      END - CASE
        WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
        THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m8" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
      END
    ) AS DOUBLE) AS "value",
    CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS BIGINT) AS "n",
    CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m6" END), 0) AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            (
              CASE
                WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m7" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
              END + CASE
                WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m8" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
              END
            ) - (
              (
                CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m7" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m8" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END
              ) * (
                CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m7" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m8" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END
              )
            )
          ) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            (
              CASE
                WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m7" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
              END + CASE
                WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m8" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
              END
            ) - (
              (
                CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m7" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m8" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END
              ) * (
                CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m7" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) <> 0
                  THEN CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m8" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
                END
              )
            )
          ) / CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m5" END), 0) AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM "lvl1_1_responses"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__rows" END), 0) > 0
  UNION ALL
  SELECT
    'csat' AS "metric",
    "__period",
    CAST(100 * CASE
      WHEN COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) <> 0
      THEN CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m13" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS BIGINT) AS "n",
    CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m12" END), 0) AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            CASE
              WHEN COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) <> 0
              THEN CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m13" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS DOUBLE)
            END * (
              1 - CASE
                WHEN COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) <> 0
                THEN CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m13" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS DOUBLE)
              END
            )
          ) / CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            CASE
              WHEN COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) <> 0
              THEN CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m13" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS DOUBLE)
            END * (
              1 - CASE
                WHEN COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) <> 0
                THEN CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m13" END), 0) AS DOUBLE) / CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS DOUBLE)
              END
            )
          ) / CAST(COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__m9" END), 0) AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM "lvl1_1_responses"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM(CASE WHEN "__p1" = 1 THEN "__rows" END), 0) > 0
  UNION ALL
  SELECT
    'csat_mean' AS "metric",
    "__period",
    CAST(CASE
      WHEN COALESCE(SUM("__m9"), 0) <> 0
      THEN CAST(COALESCE(SUM("__m10"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m9"), 0) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m9"), 0) AS BIGINT) AS "n",
    CAST(COALESCE(SUM("__m12"), 0) AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM("__m9"), 0) > 1
      THEN (
        1.96 * CASE
          WHEN (
            (
              CAST(COALESCE(SUM("__m11"), 0) AS DOUBLE) - (
                (
                  CAST(COALESCE(SUM("__m10"), 0) AS DOUBLE) * CAST(COALESCE(SUM("__m10"), 0) AS DOUBLE)
                ) / CAST(COALESCE(SUM("__m9"), 0) AS DOUBLE)
              )
            ) / CAST(COALESCE(SUM("__m9"), 0) - 1 AS DOUBLE)
          ) > 0
          THEN SQRT(
            (
              CAST(COALESCE(SUM("__m11"), 0) AS DOUBLE) - (
                (
                  CAST(COALESCE(SUM("__m10"), 0) AS DOUBLE) * CAST(COALESCE(SUM("__m10"), 0) AS DOUBLE)
                ) / CAST(COALESCE(SUM("__m9"), 0) AS DOUBLE)
              )
            ) / CAST(COALESCE(SUM("__m9"), 0) - 1 AS DOUBLE)
          )
          ELSE 0
        END
      ) / SQRT(CAST(COALESCE(SUM("__m9"), 0) AS DOUBLE))
    END AS DOUBLE) AS "moe"
  FROM "lvl1_1_responses"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'nps' AS "metric",
    "__period",
    CAST(100 * (
      CASE
        WHEN COALESCE(SUM("__m5"), 0) <> 0
        THEN CAST(COALESCE(SUM("__m7"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
      END - CASE
        WHEN COALESCE(SUM("__m5"), 0) <> 0
        THEN CAST(COALESCE(SUM("__m8"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
      END
    ) AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m5"), 0) AS BIGINT) AS "n",
    CAST(COALESCE(SUM("__m6"), 0) AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM("__m5"), 0) > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            (
              CASE
                WHEN COALESCE(SUM("__m5"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m7"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
              END + CASE
                WHEN COALESCE(SUM("__m5"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m8"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
              END
            ) - (
              (
                CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m7"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m8"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END
              ) * (
                CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m7"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m8"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END
              )
            )
          ) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            (
              CASE
                WHEN COALESCE(SUM("__m5"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m7"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
              END + CASE
                WHEN COALESCE(SUM("__m5"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m8"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
              END
            ) - (
              (
                CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m7"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m8"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END
              ) * (
                CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m7"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END - CASE
                  WHEN COALESCE(SUM("__m5"), 0) <> 0
                  THEN CAST(COALESCE(SUM("__m8"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
                END
              )
            )
          ) / CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM "lvl1_1_responses"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'responders' AS "metric",
    "__period",
    CAST(COUNT(DISTINCT "customer_id") AS DOUBLE) AS "value",
    CAST(COUNT("customer_id") AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "src_1_responses"
  GROUP BY
    "__period"
  HAVING
    COUNT(1) > 0
  UNION ALL
  SELECT
    'billing_tickets' AS "metric",
    "__period",
    CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m0" END), 0) AS DOUBLE) AS "value",
    CAST(COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__m0" END), 0) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "lvl1_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM(CASE WHEN "__p0" = 1 THEN "__rows" END), 0) > 0
  UNION ALL
  SELECT
    'fcr' AS "metric",
    "__period",
    CAST(100 * CASE
      WHEN COALESCE(SUM("__rows"), 0) <> 0
      THEN CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__rows"), 0) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM("__rows"), 0) > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            CASE
              WHEN COALESCE(SUM("__rows"), 0) <> 0
              THEN CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE)
            END * (
              1 - CASE
                WHEN COALESCE(SUM("__rows"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE)
              END
            )
          ) / CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            CASE
              WHEN COALESCE(SUM("__rows"), 0) <> 0
              THEN CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE)
            END * (
              1 - CASE
                WHEN COALESCE(SUM("__rows"), 0) <> 0
                THEN CAST(COALESCE(SUM("__m1"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE)
              END
            )
          ) / CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM "lvl1_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'handle_max' AS "metric",
    "__period",
    CAST(MAX("__m3") AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m2"), 0) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "lvl1_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'handle_mean' AS "metric",
    "__period",
    CAST(CASE
      WHEN COALESCE(SUM("__m2"), 0) <> 0
      THEN CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) / CAST(COALESCE(SUM("__m2"), 0) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m2"), 0) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN COALESCE(SUM("__m2"), 0) > 1
      THEN (
        1.96 * CASE
          WHEN (
            (
              CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE) - (
                (
                  CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) * CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE)
                ) / CAST(COALESCE(SUM("__m2"), 0) AS DOUBLE)
              )
            ) / CAST(COALESCE(SUM("__m2"), 0) - 1 AS DOUBLE)
          ) > 0
          THEN SQRT(
            (
              CAST(COALESCE(SUM("__m5"), 0) AS DOUBLE) - (
                (
                  CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE) * CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE)
                ) / CAST(COALESCE(SUM("__m2"), 0) AS DOUBLE)
              )
            ) / CAST(COALESCE(SUM("__m2"), 0) - 1 AS DOUBLE)
          )
          ELSE 0
        END
      ) / SQRT(CAST(COALESCE(SUM("__m2"), 0) AS DOUBLE))
    END AS DOUBLE) AS "moe"
  FROM "lvl1_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'handle_min' AS "metric",
    "__period",
    CAST(MIN("__m6") AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m2"), 0) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "lvl1_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'handle_total' AS "metric",
    "__period",
    CAST(CASE
      WHEN COALESCE(SUM("__m2"), 0) > 0
      THEN CAST(COALESCE(SUM("__m4"), 0) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__m2"), 0) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "lvl1_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'tickets' AS "metric",
    "__period",
    CAST(COALESCE(SUM("__rows"), 0) AS DOUBLE) AS "value",
    CAST(COALESCE(SUM("__rows"), 0) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "lvl1_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COALESCE(SUM("__rows"), 0) > 0
  UNION ALL
  SELECT
    'p90_handle' AS "metric",
    "__period",
    CAST(PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY
      CAST("handle_seconds" AS DOUBLE)) AS DOUBLE) AS "value",
    CAST(COUNT(CAST("handle_seconds" AS DOUBLE)) AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "src_2_tickets"
  GROUP BY
    "__period"
  HAVING
    COUNT(1) > 0
), "results_1" AS (
  SELECT
    *
  FROM "results_0"
  UNION ALL
  SELECT
    'nps_gap' AS "metric",
    "__period",
    CAST(MAX(CASE WHEN "metric" = 'chat_nps' THEN "value" END) - MAX(CASE WHEN "metric" = 'nps' THEN "value" END) AS DOUBLE) AS "value",
    CAST(MIN("n") AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "results_0"
  WHERE
    "metric" IN ('chat_nps', 'nps')
  GROUP BY
    "__period"
  HAVING
    COUNT(DISTINCT "metric") = 2
  UNION ALL
  SELECT
    'tickets_per_responder' AS "metric",
    "__period",
    CAST(CASE
      WHEN MAX(CASE WHEN "metric" = 'responders' THEN "value" END) <> 0
      THEN CAST(MAX(CASE WHEN "metric" = 'tickets' THEN "value" END) AS DOUBLE) / CAST(MAX(CASE WHEN "metric" = 'responders' THEN "value" END) AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST(MIN("n") AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "results_0"
  WHERE
    "metric" IN ('responders', 'tickets')
  GROUP BY
    "__period"
  HAVING
    COUNT(DISTINCT "metric") = 2
)
SELECT
  "metric",
  "__period" AS "period",
  "value",
  "n",
  "invalid",
  "moe"
FROM "results_1"
WHERE
  "metric" IN (
    'billing_tickets',
    'ces',
    'ces_top',
    'chat_nps',
    'csat',
    'csat_mean',
    'fcr',
    'handle_max',
    'handle_mean',
    'handle_min',
    'handle_total',
    'nps',
    'nps_gap',
    'p90_handle',
    'responders',
    'tickets',
    'tickets_per_responder'
  )
ORDER BY
  "metric",
  "__period"
