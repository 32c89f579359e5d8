SELECT a.procediment_id, coalesce(a.operador, c.adjudicatari) AS operador, count(*) AS adhesions,
       count(DISTINCT a.codi_ens) AS ens
FROM src_adhesions a JOIN src_contractes c USING (procediment_id, lot_numero)
GROUP BY ALL
ORDER BY a.procediment_id, operador
