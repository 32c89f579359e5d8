SELECT year(data_signatura) AS any_signatura, tipus, count(*) AS convenis
FROM src_convenis
WHERE data_signatura <= as_of()
GROUP BY ALL
ORDER BY any_signatura, tipus
