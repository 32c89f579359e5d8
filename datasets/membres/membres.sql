-- One row per membership episode, with the body's municipality and comarca as the ens table
-- gives them (v_ens: the register's, for a municipality's council; the code's, for a consell
-- comarcal), so that members can be counted by comarca from this table alone.
SELECT p.ens_id, p.codi_ens, p.nif, p.nom, p.tipus_ens, p.data_alta, p.tipus_data_alta, p.data_baixa, p.motiu_baixa,
       e.codi_ine, e.comarca_codi, c.comarca_nom
FROM v_episodis p
LEFT JOIN v_ens e USING (ens_id)
LEFT JOIN register_comarques c ON c.comarca_codi = e.comarca_codi
ORDER BY p.ens_id, p.data_alta
