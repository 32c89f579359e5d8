-- Adhesions to each lot on the reference date, by the state derived from their dates
-- (views.sql, v_adhesions). A lot is listed once its procedure is awarded or has an adhesion
-- requested by then; declared consumption is summed over the adhesions formalised by then.
SELECT t.procediment_id, t.lot_numero, t.servei,
       count(a.codi_ens) AS adhesions,
       count(a.codi_ens) FILTER (WHERE a.estat = 'VIGENT') AS adhesions_vigents,
       count(a.codi_ens) FILTER (WHERE a.estat = 'SOL·LICITADA') AS adhesions_sollicitades,
       count(a.codi_ens) FILTER (WHERE a.estat = 'FINALITZADA') AS adhesions_finalitzades,
       count(a.codi_ens) FILTER (WHERE a.estat = 'RENUNCIADA') AS adhesions_renunciades,
       count(a.codi_ens) FILTER (WHERE a.formalitzada) AS adhesions_formalitzades,
       round(coalesce(sum(a.consum_anual_sense_iva) FILTER (WHERE a.formalitzada), 0), 2) AS consum_anual_declarat_sense_iva
FROM v_termini t
LEFT JOIN v_adhesions a USING (procediment_id, lot_numero)
GROUP BY t.procediment_id, t.lot_numero, t.servei, t.data_adjudicacio
HAVING t.data_adjudicacio <= as_of() OR count(a.codi_ens) > 0
ORDER BY t.procediment_id, t.lot_numero
