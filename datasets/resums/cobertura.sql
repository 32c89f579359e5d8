SELECT count(*) AS municipis_catalunya,
       count(*) FILTER (WHERE es_membre) AS municipis_membres,
       round(100.0 * count(*) FILTER (WHERE es_membre) / count(*), 2) AS percentatge_municipis,
       CAST(sum(poblacio) AS BIGINT) AS poblacio_catalunya,
       coalesce(CAST(sum(poblacio) FILTER (WHERE es_membre) AS BIGINT), 0) AS poblacio_coberta,
       round(100.0 * coalesce(sum(poblacio) FILTER (WHERE es_membre), 0) / sum(poblacio), 2) AS percentatge_poblacio,
       max(any_poblacio) AS any_poblacio
FROM v_municipis
