-- The adhesions requested by the reference date, with their dates and their state on that day,
-- derived from the dates (views.sql, v_adhesions); the export's own `estat` is only checked.
SELECT a.codi_ens, s.nom_ens, s.tipus_ens, a.procediment_id, a.lot_numero, a.servei, a.data_adhesio,
       a.data_formalitzacio, a.data_renuncia, a.data_fi, a.operador, a.estat
FROM v_adhesions a
JOIN src_adhesions s USING (codi_ens, procediment_id, lot_numero)
ORDER BY a.procediment_id, a.lot_numero, a.codi_ens
