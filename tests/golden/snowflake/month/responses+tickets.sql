WITH "src_1_responses" AS (
  SELECT
    *,
    CASE WHEN "ces_score" BETWEEN 1 AND 7 THEN "ces_score" END AS "__val0",
    CASE WHEN "nps_score" BETWEEN 0 AND 10 THEN "nps_score" END AS "__val1",
    CASE WHEN "csat_score" BETWEEN 1 AND 5 THEN "csat_score" END AS "__val2"
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
          ROW_NUMBER() OVER (
            PARTITION BY "response_id"
            ORDER BY "responded_at" DESC NULLS LAST, "ces_score" DESC NULLS LAST, "channel" DESC NULLS LAST, "csat_score" DESC NULLS LAST, "customer_id" DESC NULLS LAST, "nps_score" DESC NULLS LAST, "touchpoint" DESC NULLS LAST
          ) AS "__row"
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
    "channel",
    "touchpoint",
    COUNT(*) AS "__rows",
    COUNT("__val0") AS "__m0",
    SUM("__val0") AS "__m1",
    SUM(CAST((
      "__val0" - 4
    ) * (
      "__val0" - 4
    ) AS DOUBLE)) AS "__m2",
    SUM(CASE WHEN NOT "ces_score" IS NULL AND "__val0" IS NULL THEN 1 ELSE 0 END) AS "__m3",
    SUM(CASE WHEN "__val0" > 5 THEN 1 ELSE 0 END) AS "__m4",
    COUNT("__val1") AS "__m5",
    SUM(CASE WHEN NOT "nps_score" IS NULL AND "__val1" IS NULL THEN 1 ELSE 0 END) AS "__m6",
    SUM(CASE WHEN "__val1" >= 9 THEN 1 ELSE 0 END) AS "__m7",
    SUM(CASE WHEN "__val1" <= 6 THEN 1 ELSE 0 END) AS "__m8",
    COUNT("__val2") AS "__m9",
    SUM(CASE WHEN NOT "csat_score" IS NULL AND "__val2" IS NULL THEN 1 ELSE 0 END) AS "__m10",
    SUM(CASE WHEN "__val2" > 3 THEN 1 ELSE 0 END) AS "__m11",
    SUM("__val2") AS "__m12",
    SUM(CAST((
      "__val2" - 3
    ) * (
      "__val2" - 3
    ) AS DOUBLE)) AS "__m13"
  FROM "src_1_responses"
  GROUP BY
    "__period",
    "channel",
    "touchpoint"
), "src_2_tickets" AS (
  SELECT
    *,
    CAST("handle_seconds" AS DOUBLE) AS "__val0"
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
    "queue",
    COUNT(*) AS "__rows",
    COUNT("ticket_id") AS "__m0",
    SUM(CASE WHEN "resolved_first" THEN 1 ELSE 0 END) AS "__m1",
    COUNT("__val0") AS "__m2",
    SUM(CASE WHEN NOT "handle_seconds" IS NULL AND "__val0" IS NULL THEN 1 ELSE 0 END) AS "__m3",
    MAX("__val0") AS "__m4",
    SUM("__val0") AS "__m5",
    SUM((
      "__val0" - "__c6"
    ) * (
      "__val0" - "__c6"
    )) AS "__m6",
    MIN("__c6") AS "__m6_c",
    SUM("__val0" - "__c6") AS "__m6_d",
    COUNT("__val0") AS "__m6_n",
    MIN("__val0") AS "__m7",
    SUM(
      CASE
        WHEN NOT "__val0" IS NULL AND (
          ABS("__val0") >= 1e-06 AND ABS("__val0") < 1e+20
        )
        THEN CAST("__val0" AS DECIMAL(38, 12))
      END
    ) AS "__m8",
    SUM(
      CASE
        WHEN NOT "__val0" IS NULL
        AND NOT (
          ABS("__val0") >= 1e-06 AND ABS("__val0") < 1e+20
        )
        THEN "__val0"
      END
    ) AS "__m9"
  FROM (
    SELECT
      *,
      CAST(AVG("__val0") OVER (PARTITION BY "__period", "queue") AS DOUBLE) AS "__c6"
    FROM "src_2_tickets"
  ) AS r
  GROUP BY
    "__period",
    "queue"
), "results_0" AS (
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(CASE WHEN "__a_n" <> 0 THEN CAST("__a_sum" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN "__a_n" > 1
      THEN (
        1.96 * CASE
          WHEN (
            CAST(CAST((
              CAST("__a_n" AS DECIMAL(29, 0)) * CAST("__a_squares" AS DECIMAL(29, 0))
            ) - (
              (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  4 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              ) * (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  4 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              )
            ) AS DOUBLE) / CAST(CAST("__a_n" AS DECIMAL(29, 0)) AS DOUBLE) AS DOUBLE) / CAST("__a_n" - 1 AS DOUBLE)
          ) > 0
          THEN SQRT(
            CAST(CAST((
              CAST("__a_n" AS DECIMAL(29, 0)) * CAST("__a_squares" AS DECIMAL(29, 0))
            ) - (
              (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  4 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              ) * (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  4 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              )
            ) AS DOUBLE) / CAST(CAST("__a_n" AS DECIMAL(29, 0)) AS DOUBLE) AS DOUBLE) / CAST("__a_n" - 1 AS DOUBLE)
          )
          ELSE 0
        END
      ) / SQRT(CAST("__a_n" AS DOUBLE))
    END AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      COALESCE(SUM("__x_squares"), 0) AS "__a_squares",
      COALESCE(SUM("__x_sum"), 0) AS "__a_sum",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'ces' AS "metric",
        "__period",
        "__m3" AS "__x_invalid",
        "__m0" AS "__x_n",
        "__m2" AS "__x_squares",
        "__m1" AS "__x_sum",
        "__rows"
      FROM "lvl1_1_responses"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(100 * CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN "__a_n" > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END * (
              1 - CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END
            )
          ) / CAST("__a_n" AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END * (
              1 - CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END
            )
          ) / CAST("__a_n" AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      COALESCE(SUM("__x_top"), 0) AS "__a_top",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'ces_top' AS "metric",
        "__period",
        "__m3" AS "__x_invalid",
        "__m0" AS "__x_n",
        "__m4" AS "__x_top",
        "__rows"
      FROM "lvl1_1_responses"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(100 * (
      CASE
        WHEN "__a_n" <> 0
        THEN CAST("__a_promoters" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
      END - CASE
        WHEN "__a_n" <> 0
        THEN CAST("__a_detractors" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
      END
    ) AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN "__a_n" > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            (
              CASE
                WHEN "__a_n" <> 0
                THEN CAST("__a_promoters" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
              END + CASE
                WHEN "__a_n" <> 0
                THEN CAST("__a_detractors" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
              END
            ) - (
              (
                CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_promoters" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END - CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_detractors" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END
              ) * (
                CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_promoters" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END - CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_detractors" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END
              )
            )
          ) / CAST("__a_n" AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            (
              CASE
                WHEN "__a_n" <> 0
                THEN CAST("__a_promoters" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
              END + CASE
                WHEN "__a_n" <> 0
                THEN CAST("__a_detractors" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
              END
            ) - (
              (
                CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_promoters" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END - CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_detractors" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END
              ) * (
                CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_promoters" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END - CASE
                  WHEN "__a_n" <> 0
                  THEN CAST("__a_detractors" AS DOUBLE) / CAST("__a_n" AS DOUBLE)
                END
              )
            )
          ) / CAST("__a_n" AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_detractors"), 0) AS "__a_detractors",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      COALESCE(SUM("__x_promoters"), 0) AS "__a_promoters",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'chat_nps' AS "metric",
        "__period",
        "__m8" AS "__x_detractors",
        "__m6" AS "__x_invalid",
        "__m5" AS "__x_n",
        "__m7" AS "__x_promoters",
        "__rows"
      FROM "lvl1_1_responses"
      WHERE
        LOWER(TRIM(LOWER(TRIM("touchpoint")))) = 'chat'
      UNION ALL
      SELECT
        'nps',
        "__period",
        "__m8",
        "__m6",
        "__m5",
        "__m7",
        "__rows"
      FROM "lvl1_1_responses"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(100 * CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN "__a_n" > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END * (
              1 - CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END
            )
          ) / CAST("__a_n" AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END * (
              1 - CASE WHEN "__a_n" <> 0 THEN CAST("__a_top" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END
            )
          ) / CAST("__a_n" AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      COALESCE(SUM("__x_top"), 0) AS "__a_top",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'csat' AS "metric",
        "__period",
        "__m10" AS "__x_invalid",
        "__m9" AS "__x_n",
        "__m11" AS "__x_top",
        "__rows"
      FROM "lvl1_1_responses"
      WHERE
        "channel" IN ('web', 'app')
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(CASE WHEN "__a_n" <> 0 THEN CAST("__a_sum" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN "__a_n" > 1
      THEN (
        1.96 * CASE
          WHEN (
            CAST(CAST((
              CAST("__a_n" AS DECIMAL(29, 0)) * CAST("__a_squares" AS DECIMAL(29, 0))
            ) - (
              (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  3 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              ) * (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  3 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              )
            ) AS DOUBLE) / CAST(CAST("__a_n" AS DECIMAL(29, 0)) AS DOUBLE) AS DOUBLE) / CAST("__a_n" - 1 AS DOUBLE)
          ) > 0
          THEN SQRT(
            CAST(CAST((
              CAST("__a_n" AS DECIMAL(29, 0)) * CAST("__a_squares" AS DECIMAL(29, 0))
            ) - (
              (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  3 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              ) * (
                CAST("__a_sum" AS DECIMAL(29, 0)) - (
                  3 * CAST("__a_n" AS DECIMAL(29, 0))
                )
              )
            ) AS DOUBLE) / CAST(CAST("__a_n" AS DECIMAL(29, 0)) AS DOUBLE) AS DOUBLE) / CAST("__a_n" - 1 AS DOUBLE)
          )
          ELSE 0
        END
      ) / SQRT(CAST("__a_n" AS DOUBLE))
    END AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      COALESCE(SUM("__x_squares"), 0) AS "__a_squares",
      COALESCE(SUM("__x_sum"), 0) AS "__a_sum",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'csat_mean' AS "metric",
        "__period",
        "__m10" AS "__x_invalid",
        "__m9" AS "__x_n",
        "__m13" AS "__x_squares",
        "__m12" AS "__x_sum",
        "__rows"
      FROM "lvl1_1_responses"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    'responders' AS "metric",
    "__period",
    CAST(COALESCE(CAST(COUNT(DISTINCT "customer_id") AS DOUBLE), 0.0) AS DOUBLE) AS "value",
    CAST(COUNT("customer_id") AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM "src_1_responses"
  GROUP BY
    "__period"
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(COALESCE(CAST("__a_n" AS DOUBLE), 0.0) AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'billing_tickets' AS "metric",
        "__period",
        CASE WHEN "queue" = 'billing' THEN "__m0" END AS "__x_n",
        CASE WHEN "queue" = 'billing' THEN "__rows" ELSE 0 END AS "__rows"
      FROM "lvl1_2_tickets"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(100 * CASE
      WHEN "__rows" <> 0
      THEN CAST("__a_true" AS DOUBLE) / CAST("__rows" AS DOUBLE)
    END AS DOUBLE) AS "value",
    CAST("__rows" AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN "__rows" > 0
      THEN 1.96 * 100 * CASE
        WHEN (
          (
            CASE
              WHEN "__rows" <> 0
              THEN CAST("__a_true" AS DOUBLE) / CAST("__rows" AS DOUBLE)
            END * (
              1 - CASE
                WHEN "__rows" <> 0
                THEN CAST("__a_true" AS DOUBLE) / CAST("__rows" AS DOUBLE)
              END
            )
          ) / CAST("__rows" AS DOUBLE)
        ) > 0
        THEN SQRT(
          (
            CASE
              WHEN "__rows" <> 0
              THEN CAST("__a_true" AS DOUBLE) / CAST("__rows" AS DOUBLE)
            END * (
              1 - CASE
                WHEN "__rows" <> 0
                THEN CAST("__a_true" AS DOUBLE) / CAST("__rows" AS DOUBLE)
              END
            )
          ) / CAST("__rows" AS DOUBLE)
        )
        ELSE 0
      END
    END AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_true"), 0) AS "__a_true",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'fcr' AS "metric",
        "__period",
        "__m1" AS "__x_true",
        "__rows"
      FROM "lvl1_2_tickets"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST("__a_value" AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      MAX("__x_value") AS "__a_value",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'handle_max' AS "metric",
        "__period",
        "__m3" AS "__x_invalid",
        "__m2" AS "__x_n",
        "__m4" AS "__x_value",
        "__rows"
      FROM "lvl1_2_tickets"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(CASE WHEN "__a_n" <> 0 THEN CAST("__a_sum" AS DOUBLE) / CAST("__a_n" AS DOUBLE) END AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(CASE
      WHEN "__a_n" > 1
      THEN (
        1.96 * CASE
          WHEN (
            CAST("__a_deviations" AS DOUBLE) / CAST("__a_n" - 1 AS DOUBLE)
          ) > 0
          THEN SQRT(CAST("__a_deviations" AS DOUBLE) / CAST("__a_n" - 1 AS DOUBLE))
          ELSE 0
        END
      ) / SQRT(CAST("__a_n" AS DOUBLE))
    END AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      SUM(
        (
          "__x_deviations" + (
            CAST("__x_deviations_n" AS DOUBLE) * (
              "__x_deviations_c" - "__g_deviations"
            ) * (
              "__x_deviations_c" - "__g_deviations"
            )
          )
        ) + (
          2 * (
            "__x_deviations_c" - "__g_deviations"
          ) * "__x_deviations_d"
        )
      ) - (
        (
          SUM(
            "__x_deviations_d" + (
              CAST("__x_deviations_n" AS DOUBLE) * (
                "__x_deviations_c" - "__g_deviations"
              )
            )
          ) * SUM(
            "__x_deviations_d" + (
              CAST("__x_deviations_n" AS DOUBLE) * (
                "__x_deviations_c" - "__g_deviations"
              )
            )
          )
        ) / NULLIF(SUM(CAST("__x_deviations_n" AS DOUBLE)), 0)
      ) AS "__a_deviations",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      COALESCE(SUM("__x_sum"), 0) AS "__a_sum",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        *,
        (
          SUM(
            (
              CAST("__x_deviations_n" AS DOUBLE) * "__x_deviations_c"
            ) + "__x_deviations_d"
          ) OVER (PARTITION BY "metric", "__period")
        ) / NULLIF(
          SUM(CAST("__x_deviations_n" AS DOUBLE)) OVER (PARTITION BY "metric", "__period"),
          0
        ) AS "__g_deviations"
      FROM (
        SELECT
          'handle_mean' AS "metric",
          "__period",
          "__m6" AS "__x_deviations",
          "__m6_c" AS "__x_deviations_c",
          "__m6_d" AS "__x_deviations_d",
          "__m6_n" AS "__x_deviations_n",
          "__m3" AS "__x_invalid",
          "__m2" AS "__x_n",
          "__m5" AS "__x_sum",
          "__rows"
        FROM "lvl1_2_tickets"
      ) AS u
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST("__a_value" AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      MIN("__x_value") AS "__a_value",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'handle_min' AS "metric",
        "__period",
        "__m3" AS "__x_invalid",
        "__m2" AS "__x_n",
        "__m7" AS "__x_value",
        "__rows"
      FROM "lvl1_2_tickets"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(COALESCE(
      CASE
        WHEN "__a_n" > 0
        THEN COALESCE(CAST("__a_exact" AS DOUBLE), 0) + COALESCE(CAST("__a_rest" AS DOUBLE), 0)
      END,
      0.0
    ) AS DOUBLE) AS "value",
    CAST("__a_n" AS BIGINT) AS "n",
    CAST("__a_invalid" AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      COALESCE(SUM("__x_exact"), 0) AS "__a_exact",
      COALESCE(SUM("__x_invalid"), 0) AS "__a_invalid",
      COALESCE(SUM("__x_n"), 0) AS "__a_n",
      COALESCE(SUM("__x_rest"), 0) AS "__a_rest",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'handle_total' AS "metric",
        "__period",
        "__m8" AS "__x_exact",
        "__m3" AS "__x_invalid",
        "__m2" AS "__x_n",
        "__m9" AS "__x_rest",
        "__rows"
      FROM "lvl1_2_tickets"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    "metric" AS "metric",
    "__period",
    CAST(COALESCE(CAST("__rows" AS DOUBLE), 0.0) AS DOUBLE) AS "value",
    CAST("__rows" AS BIGINT) AS "n",
    CAST(0 AS BIGINT) AS "invalid",
    CAST(NULL AS DOUBLE) AS "moe"
  FROM (
    SELECT
      "metric",
      "__period",
      SUM("__rows") AS "__rows"
    FROM (
      SELECT
        'tickets' AS "metric",
        "__period",
        "__rows"
      FROM "lvl1_2_tickets"
    ) AS p
    GROUP BY
      "metric",
      "__period"
  ) AS a
  UNION ALL
  SELECT
    'p90_handle' AS "metric",
    "__period",
    CAST(PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY
      CAST("handle_seconds" AS DOUBLE)) AS DOUBLE) AS "value",
    CAST(COUNT(CAST("handle_seconds" AS DOUBLE)) AS BIGINT) AS "n",
    CAST(COUNT(
      CASE
        WHEN NOT "handle_seconds" IS NULL AND CAST("handle_seconds" AS DOUBLE) IS NULL
        THEN 1
      END
    ) AS BIGINT) AS "invalid",
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
