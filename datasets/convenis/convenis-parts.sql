SELECT conveni_id, codi_ens, nif, nom, rol, carrec_signant
FROM src_convenis_parts
ORDER BY conveni_id, rol, nom
