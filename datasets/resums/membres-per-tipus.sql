SELECT t.tipus_ens, count(a.ens_id) AS membres_actius
FROM (VALUES ('AJUNTAMENT', 1), ('DIPUTACIO', 2), ('CONSELL_COMARCAL', 3), ('AREA_METROPOLITANA', 4),
             ('ENTITAT_MUNICIPALISTA', 5)) t(tipus_ens, ordre)
LEFT JOIN v_membres_actius a USING (tipus_ens)
GROUP BY t.tipus_ens, t.ordre
ORDER BY t.ordre
