-- Members located in each province: ajuntaments by their municipality, diputacions by their
-- province, consells comarcals by the province most of their comarca's municipalities are in.
WITH comarca_provincia AS (
    SELECT comarca_codi, arg_max(provincia_codi, n) AS provincia_codi
    FROM (SELECT comarca_codi, provincia_codi, count(*) AS n FROM register_municipis GROUP BY ALL)
    GROUP BY comarca_codi
), situats AS (
    SELECT a.ens_id, a.tipus_ens,
           coalesce(e.provincia_codi, cp.provincia_codi) AS provincia_codi
    FROM v_membres_actius a JOIN v_ens e USING (ens_id)
    LEFT JOIN comarca_provincia cp ON e.tipus_ens = 'CONSELL_COMARCAL' AND cp.comarca_codi = e.comarca_codi
)
SELECT m.provincia_codi, m.provincia_nom,
       count(*) FILTER (WHERE s.tipus_ens IS NOT NULL) AS membres_actius,
       count(*) FILTER (WHERE s.tipus_ens = 'AJUNTAMENT') AS ajuntaments_membres,
       (SELECT count(*) FROM register_municipis r WHERE r.provincia_codi = m.provincia_codi) AS municipis
FROM (SELECT DISTINCT provincia_codi, provincia_nom FROM register_municipis) m
LEFT JOIN situats s USING (provincia_codi)
GROUP BY m.provincia_codi, m.provincia_nom
ORDER BY m.provincia_codi
