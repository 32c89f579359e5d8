-- Agreements in force on the reference date, derived from their dates (DOMAIN.md §4), among
-- those signed by then. Addenda and extensions are not agreements of their own: each follows
-- the agreement it amends (its root, through chains of amendments); an extension signed by the
-- reference date moves the root's end to the extension's end. data_fi_vigencia is the last day
-- of validity. An agreement without any end date is counted apart (Law 40/2015, art. 49.h: four
-- years unless extended), with how many of those started less than four years before.
WITH RECURSIVE signats AS (
    SELECT * FROM src_convenis WHERE data_signatura <= as_of()
), arrel(conveni_id, arrel_id) AS (
    SELECT conveni_id, conveni_id FROM signats WHERE conveni_origen_id IS NULL OR tipus NOT IN ('ADDENDA', 'PRORROGA')
    UNION ALL
    SELECT s.conveni_id, a.arrel_id FROM signats s JOIN arrel a ON s.conveni_origen_id = a.conveni_id
    WHERE s.tipus IN ('ADDENDA', 'PRORROGA') AND s.conveni_id <> a.conveni_id
), principals AS (
    SELECT c.conveni_id, c.tipus,
           coalesce(c.data_inici_vigencia, c.data_signatura) AS inici,
           greatest(c.data_fi_vigencia, (SELECT max(p.data_fi_vigencia) FROM arrel a JOIN signats p USING (conveni_id)
                                         WHERE a.arrel_id = c.conveni_id AND p.tipus = 'PRORROGA')) AS fi,
           (SELECT count(*) FROM arrel a WHERE a.arrel_id = c.conveni_id AND a.conveni_id <> c.conveni_id) AS modificacions
    FROM signats c JOIN arrel r ON r.conveni_id = c.conveni_id AND r.arrel_id = c.conveni_id
)
SELECT tipus, count(*) AS convenis,
       count(*) FILTER (WHERE inici <= as_of() AND fi >= as_of()) AS vigents,
       count(*) FILTER (WHERE inici <= as_of() AND fi IS NULL) AS sense_data_fi,
       count(*) FILTER (WHERE inici <= as_of() AND fi IS NULL AND inici + INTERVAL 4 YEAR > as_of()) AS sense_data_fi_menys_4_anys,
       CAST(sum(modificacions) AS BIGINT) AS addendes_i_prorrogues
FROM principals
GROUP BY tipus
ORDER BY tipus
