-- Joins and leavings of members by year and type, up to the reference date: each membership
-- episode is one join in the year of its data_alta and, if it ended, one leaving in the year of
-- its data_baixa (a leaving on the reference date itself has happened).
WITH fets AS (
    SELECT year(data_alta) AS yr, tipus_ens, 1 AS alta, 0 AS baixa FROM v_episodis WHERE data_alta <= as_of()
    UNION ALL
    SELECT year(data_baixa), tipus_ens, 0, 1 FROM v_episodis WHERE data_baixa <= as_of()
)
SELECT y.yr AS "any", t.tipus_ens,
       coalesce(sum(f.alta), 0) AS altes,
       coalesce(sum(f.baixa), 0) AS baixes
FROM (SELECT CAST(range AS INTEGER) AS yr FROM range(1997, year(as_of()) + 1)) y
CROSS JOIN (VALUES ('AJUNTAMENT'), ('DIPUTACIO'), ('CONSELL_COMARCAL'), ('AREA_METROPOLITANA'),
                   ('ENTITAT_MUNICIPALISTA')) t(tipus_ens)
LEFT JOIN fets f ON f.yr = y.yr AND f.tipus_ens = t.tipus_ens
GROUP BY y.yr, t.tipus_ens
ORDER BY y.yr, t.tipus_ens
