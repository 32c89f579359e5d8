SELECT c.procediment_id, c.lot_numero, c.servei,
       count(a.codi_ens) AS adhesions,
       count(a.codi_ens) FILTER (WHERE a.estat NOT IN ('FINALITZADA', 'RENUNCIADA')) AS adhesions_en_curs,
       round(coalesce(sum(a.consum_anual_sense_iva), 0), 2) AS consum_anual_declarat_sense_iva
FROM src_contractes c
LEFT JOIN src_adhesions a USING (procediment_id, lot_numero)
GROUP BY c.procediment_id, c.lot_numero, c.servei
ORDER BY c.procediment_id, c.lot_numero
