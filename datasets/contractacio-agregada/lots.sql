SELECT procediment_id, lot_numero, servei, pressupost_sense_iva, import_adjudicacio_sense_iva, adjudicatari
FROM src_contractes
ORDER BY procediment_id, lot_numero
