SELECT year(data_signatura) AS any_signatura, tipus, count(*) AS convenis
FROM src_convenis
GROUP BY ALL
ORDER BY any_signatura, tipus
