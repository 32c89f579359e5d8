-- Active members by type on 31 December of every complete year since 1997.
SELECT y.yr AS "any", t.tipus_ens,
       count(DISTINCT e.ens_id) AS membres_actius
FROM (SELECT CAST(range AS INTEGER) AS yr FROM range(1997, year(as_of()))) y
CROSS JOIN (VALUES ('AJUNTAMENT'), ('DIPUTACIO'), ('CONSELL_COMARCAL'), ('AREA_METROPOLITANA'),
                   ('ENTITAT_MUNICIPALISTA')) t(tipus_ens)
LEFT JOIN v_episodis e
  ON e.tipus_ens = t.tipus_ens AND e.data_alta <= make_date(y.yr, 12, 31)
 AND (e.data_baixa IS NULL OR e.data_baixa > make_date(y.yr, 12, 31))
GROUP BY y.yr, t.tipus_ens
ORDER BY y.yr, t.tipus_ens
