SELECT m.comarca_codi, m.comarca AS comarca_nom, comarca_data_referencia() AS comarca_data_referencia,
       count(*) AS municipis,
       count(*) FILTER (WHERE m.es_membre) AS ajuntaments_membres,
       round(100.0 * count(*) FILTER (WHERE m.es_membre) / count(*), 1) AS percentatge_municipis,
       CAST(sum(m.poblacio) AS BIGINT) AS poblacio,
       coalesce(CAST(sum(m.poblacio) FILTER (WHERE m.es_membre) AS BIGINT), 0) AS poblacio_coberta,
       EXISTS (SELECT 1 FROM v_membres_actius a JOIN v_ens e USING (ens_id)
               WHERE a.tipus_ens = 'CONSELL_COMARCAL' AND e.comarca_codi = m.comarca_codi) AS consell_comarcal_membre
FROM v_municipis m
GROUP BY m.comarca_codi, m.comarca
ORDER BY m.comarca_codi
