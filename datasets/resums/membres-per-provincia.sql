-- Every member on the reference date in exactly one row, so that the rows add up to the
-- headline total: ajuntaments by their municipality's province, diputacions by their own, AMB
-- in Barcelona, consells comarcals by the province most of their comarca's municipalities are in
-- (ties: the lower code), and the bodies whose scope is all of Catalonia (ACM, FMC) in row CAT.
WITH comarca_provincia AS (
    SELECT comarca_codi, provincia_codi
    FROM (SELECT comarca_codi, provincia_codi, count(*) AS n FROM register_municipis GROUP BY ALL)
    QUALIFY row_number() OVER (PARTITION BY comarca_codi ORDER BY n DESC, provincia_codi) = 1
), situats AS (
    SELECT a.ens_id, a.tipus_ens,
           CASE a.tipus_ens WHEN 'ENTITAT_MUNICIPALISTA' THEN 'CAT'
                            WHEN 'AREA_METROPOLITANA' THEN '08'
                            WHEN 'CONSELL_COMARCAL' THEN cp.provincia_codi
                            ELSE e.provincia_codi END AS provincia_codi
    FROM v_membres_actius a JOIN v_ens e USING (ens_id)
    LEFT JOIN comarca_provincia cp ON cp.comarca_codi = e.comarca_codi
), files AS (
    SELECT DISTINCT provincia_codi, provincia_nom, 1 AS ordre FROM register_municipis
    UNION ALL
    SELECT 'CAT', 'Tot Catalunya', 2
)
SELECT f.provincia_codi, f.provincia_nom,
       count(s.ens_id) AS membres_actius,
       count(s.ens_id) FILTER (WHERE s.tipus_ens = 'AJUNTAMENT') AS ajuntaments_membres,
       (SELECT nullif(count(*), 0) FROM register_municipis r WHERE r.provincia_codi = f.provincia_codi) AS municipis
FROM files f
LEFT JOIN situats s USING (provincia_codi)
GROUP BY f.provincia_codi, f.provincia_nom, f.ordre
ORDER BY f.ordre, f.provincia_codi
