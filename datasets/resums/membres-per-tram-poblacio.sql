SELECT t.tram_ordre AS tram_codi, t.tram_poblacio, count(m.codi_ine) AS municipis,
       count(*) FILTER (WHERE m.es_membre) AS ajuntaments_membres,
       coalesce(CAST(sum(m.poblacio) AS BIGINT), 0) AS poblacio,
       coalesce(CAST(sum(m.poblacio) FILTER (WHERE m.es_membre) AS BIGINT), 0) AS poblacio_coberta
FROM (VALUES (1, 'menys de 1.000'), (2, '1.000 a 4.999'), (3, '5.000 a 19.999'), (4, '20.000 a 49.999'),
             (5, '50.000 o més')) t(tram_ordre, tram_poblacio)
LEFT JOIN v_municipis m USING (tram_ordre)
GROUP BY t.tram_ordre, t.tram_poblacio
ORDER BY t.tram_ordre
