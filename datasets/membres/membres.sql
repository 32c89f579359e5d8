SELECT ens_id, codi_ens, nif, nom, tipus_ens, data_alta, tipus_data_alta, data_baixa, motiu_baixa
FROM v_episodis
ORDER BY ens_id, data_alta
