-- In force on the reference date: signed, started, and not yet ended (DOMAIN.md §4: derived).
SELECT tipus, count(*) AS convenis,
       count(*) FILTER (WHERE data_signatura <= as_of()
                          AND coalesce(data_inici_vigencia, data_signatura) <= as_of()
                          AND (data_fi_vigencia IS NULL OR data_fi_vigencia >= as_of())) AS vigents
FROM src_convenis
GROUP BY tipus
ORDER BY tipus
