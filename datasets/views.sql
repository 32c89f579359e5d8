-- Views shared by the datasets' queries. They read only the typed source tables (src_*),
-- which hold no private column, and the register snapshot. as_of() is the reference date.

-- Every body that appears anywhere, once: the roster wins over adhesions, adhesions over
-- agreement parties; the newest name wins within a file.
CREATE OR REPLACE VIEW v_ens_base AS
SELECT ens_id, codi_ens, nif, nom, tipus_ens FROM (
    SELECT coalesce(codi_ens, nif) AS ens_id, codi_ens, nif, nom, tipus_ens, 1 AS priority, data_alta AS seen, _row FROM src_membres
    UNION ALL
    SELECT codi_ens, codi_ens, NULL, nom_ens, tipus_ens, 2, data_adhesio, _row FROM src_adhesions
    UNION ALL
    SELECT coalesce(codi_ens, nif), codi_ens, nif, nom, NULL, 3, NULL, _row FROM src_convenis_parts
) WHERE ens_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY ens_id ORDER BY priority, seen DESC NULLS LAST, _row DESC) = 1;

-- A municipality's own body (suffix 000) is matched to the register on its INE code.
CREATE OR REPLACE VIEW v_ens AS
SELECT
    e.ens_id, e.codi_ens,
    coalesce(e.nif, (SELECT max(p.nif) FROM src_convenis_parts p WHERE p.codi_ens = e.codi_ens)) AS nif,
    e.nom, e.tipus_ens,
    m.codi_ine, m.codi_idescat,
    CASE WHEN e.tipus_ens = 'AJUNTAMENT' AND m.codi_idescat IS NOT NULL THEN 'L01' || m.codi_idescat END AS dir3,
    coalesce(m.provincia_codi,
             CASE WHEN e.tipus_ens = 'DIPUTACIO' THEN substr(e.codi_ens, 1, 2) END) AS provincia_codi,
    coalesce(m.comarca_codi,
             CASE WHEN e.tipus_ens = 'CONSELL_COMARCAL' THEN substr(e.codi_ens, 4, 2) END) AS comarca_codi,
    m.poblacio, m.any_poblacio
FROM v_ens_base e
LEFT JOIN register_municipis m
  ON e.tipus_ens IN ('AJUNTAMENT') AND substr(e.codi_ens, 1, 5) = m.codi_ine AND substr(e.codi_ens, 7, 3) = '000';

-- Membership episodes with a stable body id.
CREATE OR REPLACE VIEW v_episodis AS
SELECT coalesce(codi_ens, nif) AS ens_id, * EXCLUDE (_row) FROM src_membres;

-- Bodies that are members on the reference date.
CREATE OR REPLACE VIEW v_membres_actius AS
SELECT DISTINCT e.ens_id, e.tipus_ens
FROM v_episodis e
WHERE e.data_alta <= as_of() AND (e.data_baixa IS NULL OR e.data_baixa > as_of());

CREATE OR REPLACE VIEW v_municipis AS
SELECT m.*, c.comarca_nom AS comarca,
       m.codi_ine IN (SELECT substr(e.ens_id, 1, 5) FROM v_membres_actius e WHERE e.tipus_ens = 'AJUNTAMENT') AS es_membre,
       CASE WHEN m.poblacio < 1000 THEN 1 WHEN m.poblacio < 5000 THEN 2 WHEN m.poblacio < 20000 THEN 3
            WHEN m.poblacio < 50000 THEN 4 ELSE 5 END AS tram_ordre
FROM register_municipis m JOIN register_comarques c USING (comarca_codi);

-- Each adhesion on the reference date, with its state DERIVED from dates (the declared `estat` is
-- only checked against them, by the rule estat-incoherent). An adhesion exists from its request
-- (data_adhesio); the contract's term runs from the procedure's formalisation (or, without one,
-- its award) for its duration plus the extension agreed. Boundary: a date that falls on the
-- reference date has happened (a renunciation or an end on that day counts; as for members, a
-- body that leaves on the reference date is no longer counted). States:
--   RENUNCIADA   renounced on or before the reference date (before or after formalisation);
--   FINALITZADA  otherwise, its own end date or the contract's term has passed (a request never
--                formalised lapses with the term too);
--   VIGENT       otherwise, formalised on or before the reference date: in force;
--   SOL·LICITADA otherwise: requested only.
CREATE OR REPLACE VIEW v_termini AS
SELECT procediment_id, lot_numero, servei, model_adjudicacio, adjudicatari, data_adjudicacio,
       coalesce(data_formalitzacio, data_adjudicacio) AS inici_contracte,
       coalesce(data_formalitzacio, data_adjudicacio) + to_months(durada_mesos + coalesce(prorroga_mesos, 0)) AS fi_contracte
FROM src_contractes;

CREATE OR REPLACE VIEW v_adhesions AS
SELECT a.codi_ens, a.procediment_id, a.lot_numero, t.servei, a.data_adhesio, a.data_formalitzacio, a.data_renuncia, a.data_fi,
       -- the operator is known once the procedure is awarded (PER_LOT: the lot's; PER_ENS: the body's)
       CASE WHEN t.data_adjudicacio <= as_of() THEN coalesce(a.operador, t.adjudicatari) END AS operador,
       a.consum_anual_sense_iva,
       coalesce(a.data_formalitzacio <= as_of(), false) AS formalitzada,
       CASE WHEN a.data_renuncia <= as_of() THEN 'RENUNCIADA'
            WHEN a.data_fi <= as_of() OR t.fi_contracte <= as_of() THEN 'FINALITZADA'
            WHEN a.data_formalitzacio <= as_of() THEN 'VIGENT'
            ELSE 'SOL·LICITADA' END AS estat
FROM src_adhesions a
JOIN v_termini t USING (procediment_id, lot_numero)
WHERE a.data_adhesio <= as_of();
