-- An operator is named by the lot it won (PER_LOT) or by the bodies it serves (PER_ENS).
SELECT operador, count(DISTINCT procediment_id) AS procediments,
       count(*) FILTER (WHERE origen = 'lot') AS lots_adjudicats,
       count(*) FILTER (WHERE origen = 'adhesio') AS adhesions_per_ens
FROM (
    SELECT adjudicatari AS operador, procediment_id, 'lot' AS origen FROM src_contractes WHERE adjudicatari IS NOT NULL
    UNION ALL
    SELECT operador, procediment_id, 'adhesio' FROM src_adhesions WHERE operador IS NOT NULL
)
GROUP BY operador
ORDER BY operador
