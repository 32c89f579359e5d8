SELECT e.ens_id, e.codi_ens, e.nif, e.nom, e.tipus_ens, e.codi_ine, e.codi_idescat, e.dir3,
       e.provincia_codi, p.provincia_nom, e.comarca_codi, c.comarca_nom,
       CASE WHEN e.comarca_codi IS NOT NULL THEN comarca_data_referencia() END AS comarca_data_referencia,
       e.poblacio, e.any_poblacio
FROM v_ens e
LEFT JOIN (SELECT DISTINCT provincia_codi, provincia_nom FROM register_municipis) p USING (provincia_codi)
LEFT JOIN register_comarques c USING (comarca_codi)
ORDER BY e.ens_id
