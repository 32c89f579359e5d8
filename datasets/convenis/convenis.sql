SELECT conveni_id, numero_registre, tipus, titol, objecte, data_signatura, data_inici_vigencia,
       data_fi_vigencia, prorrogable, conveni_origen_id, import_total_previst
FROM src_convenis
ORDER BY conveni_id
