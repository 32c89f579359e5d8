SELECT a.codi_ens, a.nom_ens, a.tipus_ens, a.procediment_id, a.lot_numero, c.servei, a.data_adhesio,
       coalesce(a.operador, c.adjudicatari) AS operador, a.estat
FROM src_adhesions a
JOIN src_contractes c USING (procediment_id, lot_numero)
ORDER BY a.procediment_id, a.lot_numero, a.codi_ens
