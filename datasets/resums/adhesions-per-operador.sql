-- Adhesions on the reference date by procedure and the operator serving them, split by the
-- state derived from their dates (views.sql, v_adhesions). Before the award the operator is
-- not known: those adhesions are in the row with an empty operator.
SELECT procediment_id, operador,
       count(*) AS adhesions,
       count(*) FILTER (WHERE estat = 'VIGENT') AS adhesions_vigents,
       count(*) FILTER (WHERE estat = 'SOL·LICITADA') AS adhesions_sollicitades,
       count(*) FILTER (WHERE estat = 'FINALITZADA') AS adhesions_finalitzades,
       count(*) FILTER (WHERE estat = 'RENUNCIADA') AS adhesions_renunciades,
       count(DISTINCT codi_ens) AS ens_diferents
FROM v_adhesions
GROUP BY ALL
ORDER BY procediment_id, operador
