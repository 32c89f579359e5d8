SELECT procediment_id, any_value(titol) AS titol, any_value(ambit) AS ambit,
       any_value(model_adjudicacio) AS model_adjudicacio, any_value(data_adjudicacio) AS data_adjudicacio,
       any_value(data_formalitzacio) AS data_formalitzacio,
       any_value(durada_mesos) AS durada_mesos, any_value(prorroga_max_mesos) AS prorroga_max_mesos,
       any_value(prorroga_mesos) AS prorroga_mesos,
       count(*) AS nombre_lots,
       round(sum(pressupost_sense_iva), 2) AS pressupost_sense_iva,
       round(sum(import_adjudicacio_sense_iva), 2) AS import_adjudicacio_sense_iva
FROM src_contractes
GROUP BY procediment_id
ORDER BY procediment_id
