"""Rules across fields, rows and files: keys from the Table Schemas, and the domain's rules
(DOMAIN.md §2-§5, §8). Each reads the typed tables src_<name> and returns (_row, value)."""

from __future__ import annotations

from localret import schema
from localret.validate.rules import ERROR, WARNING, TableRule, table_rule


def _key_text(fields: list[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return " || ' | ' || ".join(f"CAST({prefix}\"{f}\" AS VARCHAR)" for f in fields)


def _not_null(fields: list[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return " AND ".join(f'{prefix}"{f}" IS NOT NULL' for f in fields)


def primary_key_rule(name: str, pk: list[str]) -> TableRule:
    def sql(ctx):
        # Only keys whose hash occurs more than once need their rows numbered (one integer is
        # cheaper to compare than the key's text; the window then compares keys). A hash that
        # occurs twice is found by sorting the hashes, a quarter cheaper than grouping them
        # (nearly every hash is a group of its own).
        keys = ", ".join(f'"{f}"' for f in pk)
        return f"""
            SELECT _row, {_key_text(pk)} AS value FROM src_{name}
            WHERE {_not_null(pk)} AND hash({keys}) IN (
                SELECT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS previous
                               FROM (SELECT hash({keys}) AS h FROM src_{name} WHERE {_not_null(pk)}))
                WHERE h = previous)
            QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _row) > 1"""
    return TableRule(
        code="clau-duplicada", severity=ERROR, table=name, field=",".join(pk), sql=sql, needs=(name,),
        message=(f"clau primària duplicada ({', '.join(pk)}): ja apareix en una fila anterior",
                 f"duplicate primary key ({', '.join(pk)}): it already appears in an earlier row"),
    )


def foreign_key_rule(name: str, fk: dict) -> TableRule:
    fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
    ref = fk["reference"]
    target = ref["resource"] or name  # "" is the table itself (an addendum's origin)
    ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
    on = " AND ".join(f'p."{r}" = c."{f}"' for f, r in zip(fields, ref_fields))

    def sql(ctx):
        # An anti join, not NOT EXISTS beside the null filter: DuckDB plans that as a mark
        # join evaluated per row, four times slower on 1M rows.
        return f"""
            SELECT c._row, {_key_text(fields, 'c')} AS value FROM src_{name} c ANTI JOIN src_{target} p ON {on}
            WHERE {_not_null(fields, 'c')}"""
    return TableRule(
        code="referencia-inexistent", severity=ERROR, table=name, field=",".join(fields), sql=sql, needs=(name, target),
        message=(f"no existeix a {target} ({', '.join(ref_fields)})", f"does not exist in {target} ({', '.join(ref_fields)})"),
    )


for _name in schema.SOURCE_NAMES:
    _s = schema.source_schema(_name)
    if _s.primary_key:
        table_rule(primary_key_rule(_name, _s.primary_key))
    for _fk in _s.foreign_keys:
        table_rule(foreign_key_rule(_name, _fk))


def rows(table: str, where: str, value: str) -> callable:
    """The common shape: the rows of one table that match a condition."""
    return lambda ctx: f"SELECT _row, CAST({value} AS VARCHAR) AS value FROM src_{table} WHERE {where}"


# --- membres --------------------------------------------------------------------------------
table_rule(TableRule(
    code="codi-ens-obligatori", severity=ERROR, table="membres", field="codi_ens", needs=("membres",),
    message=("falta el codi d'ens (obligatori per a tots els tipus excepte ENTITAT_MUNICIPALISTA)",
             "the local-body code is missing (required for every type but ENTITAT_MUNICIPALISTA)"),
    sql=rows("membres", "codi_ens IS NULL AND tipus_ens <> 'ENTITAT_MUNICIPALISTA'", "tipus_ens"),
))
table_rule(TableRule(
    code="nif-obligatori", severity=ERROR, table="membres", field="nif", needs=("membres",),
    message=("falta el NIF (obligatori per a les entitats municipalistes)", "the NIF is missing (required for municipalist entities)"),
    sql=rows("membres", "nif IS NULL AND tipus_ens = 'ENTITAT_MUNICIPALISTA'", "nom"),
))
table_rule(TableRule(
    code="motiu-baixa-sense-data", severity=ERROR, table="membres", field="motiu_baixa", needs=("membres",),
    message=("hi ha motiu de baixa però no data de baixa", "a leaving reason is given without a leaving date"),
    sql=rows("membres", "motiu_baixa IS NOT NULL AND data_baixa IS NULL", "motiu_baixa"),
))
table_rule(TableRule(
    code="baixa-sense-motiu", severity=ERROR, table="membres", field="motiu_baixa", needs=("membres",),
    message=("hi ha data de baixa però falta el motiu", "a leaving date is given without its reason"),
    sql=rows("membres", "data_baixa IS NOT NULL AND motiu_baixa IS NULL", "data_baixa"),
))
table_rule(TableRule(
    code="baixa-abans-alta", severity=ERROR, table="membres", field="data_baixa", needs=("membres",),
    message=("la data de baixa ha de ser posterior a la d'alta", "the leaving date must come after the joining date"),
    sql=rows("membres", "data_baixa <= data_alta", "data_baixa"),
))
table_rule(TableRule(
    code="alta-abans-fundacio", severity=WARNING, table="membres", field="data_alta", needs=("membres",),
    message=("data d'alta anterior a la fundació del Consorci (1997)", "joining date before the consortium was founded (1997)"),
    sql=rows("membres", "data_alta < DATE '1997-01-01'", "data_alta"),
))
table_rule(TableRule(
    code="episodis-encavalcats", severity=ERROR, table="membres", field="data_alta", needs=("membres",),
    message=("aquest episodi de pertinença s'encavalca amb un altre del mateix ens",
             "this membership episode overlaps another episode of the same body"),
    # Sorted by joining date, an episode overlaps an earlier one exactly when it starts
    # before the latest end among those before it: one window pass, not a self-join.
    sql=lambda ctx: """
        SELECT _row, CAST(data_alta AS VARCHAR) AS value FROM (
            SELECT _row, data_alta,
                   max(coalesce(data_baixa, DATE '9999-12-31')) OVER (
                       PARTITION BY coalesce(codi_ens, nif) ORDER BY data_alta, _row
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
            FROM src_membres WHERE data_alta IS NOT NULL AND coalesce(codi_ens, nif) IS NOT NULL)
        WHERE data_alta < previous_end""",
))


# --- bodies against the official register (membres and adhesions alike) ----------------------
def _not_in_register(table: str, kind: str, mismatch: str) -> callable:
    """The rows of a kind of body whose code the register does not know, among the codes whose
    own control digit is right (a wrong digit is the field rule's error, not reported twice).
    The register's test first, in a query of its own: the control digit's lookup (a join with
    100,000 codes) then runs over the few codes it rejects, not over every row of the kind
    (1M adhesions: 0.10 → 0.06 s of CPU for the ajuntaments)."""
    return lambda ctx: (f"SELECT _row, CAST(codi_ens AS VARCHAR) AS value FROM (SELECT _row, codi_ens FROM src_{table} "
                        f"WHERE {kind} AND ({mismatch})) WHERE lr_codi_ens_prefix_ok(codi_ens)")


def _register_rules(table: str, tipus: str = "tipus_ens") -> None:
    table_rule(TableRule(
        code="municipi-inexistent", severity=ERROR, table=table, field="codi_ens", needs=(table,),
        message=("l'ajuntament no correspon a cap municipi del registre oficial (Idescat): el seu codi d'ens és "
                 "el codi INE del municipi, el dígit de control i 000",
                 "the ajuntament matches no municipality of the official register (Idescat): its code is the "
                 "municipality's INE code, the control digit and 000"),
        # Digits 7-9 are 000 for the body itself; others are its dependent bodies (DOMAIN.md §5).
        sql=_not_in_register(table, f"{tipus} = 'AJUNTAMENT'",
                             "substr(codi_ens, 1, 5) NOT IN (SELECT codi_ine FROM register_municipis) "
                             "OR substr(codi_ens, 7, 3) <> '000'"),
    ))
    table_rule(TableRule(
        code="consell-comarcal-inexistent", severity=ERROR, table=table, field="codi_ens", needs=(table,),
        message=("el codi no és el d'un consell comarcal (810 + codi de comarca; el Barcelonès no en té)",
                 "not a county council code (810 + comarca code; Barcelonès has none)"),
        sql=_not_in_register(table, f"{tipus} = 'CONSELL_COMARCAL'",
                             "substr(codi_ens, 1, 3) <> '810' OR substr(codi_ens, 4, 2) = '13' OR "
                             "substr(codi_ens, 4, 2) NOT IN (SELECT comarca_codi FROM register_comarques)"),
    ))
    table_rule(TableRule(
        code="diputacio-inexistent", severity=ERROR, table=table, field="codi_ens", needs=(table,),
        message=("el codi no és el d'una diputació (codi de província + 000)", "not a provincial council code (province code + 000)"),
        sql=_not_in_register(table, f"{tipus} = 'DIPUTACIO'", "substr(codi_ens, 1, 5) NOT IN ('08000', '17000', '25000', '43000')"),
    ))


_register_rules("membres")
_register_rules("adhesions")

# --- contractes and adhesions ---------------------------------------------------------------
PROCEDURE_FIELDS = ("titol", "ambit", "model_adjudicacio", "data_adjudicacio", "data_formalitzacio", "durada_mesos",
                    "prorroga_max_mesos", "prorroga_mesos")
for _field in PROCEDURE_FIELDS:
    table_rule(TableRule(
        code="procediment-incoherent", severity=ERROR, table="contractes", field=_field, needs=("contractes",),
        message=("els lots d'un mateix procediment tenen valors diferents en un camp del procediment",
                 "lots of the same procedure disagree on a procedure-level field"),
        sql=(lambda f: lambda ctx: f"""
            SELECT _row, CAST("{f}" AS VARCHAR) AS value FROM src_contractes
            QUALIFY count(DISTINCT coalesce(CAST("{f}" AS VARCHAR), '∅')) OVER (PARTITION BY procediment_id) > 1""")(_field),
    ))
table_rule(TableRule(
    code="adjudicatari-per-ens", severity=ERROR, table="contractes", field="adjudicatari", needs=("contractes",),
    message=("un lot adjudicat per ens (PER_ENS) no té un adjudicatari únic: deixeu-lo buit",
             "a lot awarded per body (PER_ENS) has no single awardee: leave it empty"),
    sql=rows("contractes", "model_adjudicacio = 'PER_ENS' AND adjudicatari IS NOT NULL", "adjudicatari"),
))
table_rule(TableRule(
    code="adjudicacio-supera-pressupost", severity=WARNING, table="contractes", field="import_adjudicacio_sense_iva",
    needs=("contractes",),
    message=("l'import d'adjudicació supera el pressupost del lot", "the award amount exceeds the lot's budget"),
    sql=rows("contractes", "import_adjudicacio_sense_iva > pressupost_sense_iva", "import_adjudicacio_sense_iva"),
))
table_rule(TableRule(
    code="prorroga-excessiva", severity=ERROR, table="contractes", field="prorroga_mesos", needs=("contractes",),
    message=("la pròrroga acordada supera la pròrroga màxima del procediment", "the agreed extension exceeds the procedure's maximum"),
    sql=rows("contractes", "prorroga_mesos > coalesce(prorroga_max_mesos, 0)", "prorroga_mesos"),
))
table_rule(TableRule(
    code="formalitzacio-abans-adjudicacio", severity=ERROR, table="contractes", field="data_formalitzacio", needs=("contractes",),
    message=("el contracte es formalitza abans de l'adjudicació", "the contract is formalised before its award"),
    sql=rows("contractes", "data_formalitzacio < data_adjudicacio", "data_formalitzacio"),
))
# The declared state (estat) is not what the figures count: each adhesion's state at the
# reference date is derived from its dates (datasets/views.sql, v_adhesions). The declared state
# is checked against the dates it implies, whatever the day: a warning, because only the dates
# are published and counted (the operator fixes whichever of the two is wrong).
ESTAT_CONTRADICTS_DATES = """
    (a.estat = 'RENUNCIADA') <> (a.data_renuncia IS NOT NULL)
    OR (a.estat IN ('SOL·LICITADA', 'ADHERIDA') AND (a.data_formalitzacio IS NOT NULL OR a.data_fi IS NOT NULL))
    OR (a.estat IN ('FORMALITZADA', 'PRORROGADA', 'FINALITZADA') AND a.data_formalitzacio IS NULL)
    OR (a.estat IN ('FORMALITZADA', 'PRORROGADA') AND a.data_fi IS NOT NULL)"""
# (and an adhesion declared PRORROGADA whose contract has no agreed extension: joined apart)
table_rule(TableRule(
    code="estat-incoherent", severity=WARNING, table="adhesions", field="estat", needs=("adhesions", "contractes"),
    message=("l'estat declarat no concorda amb les dates de l'adhesió (sol·licitada o adherida: sense formalització ni fi; "
             "formalitzada, prorrogada o finalitzada: amb data de formalització; formalitzada o prorrogada: sense data de fi; "
             "renunciada si i només si hi ha data de renúncia; prorrogada: el contracte té una pròrroga acordada); "
             "les xifres publicades es calculen a partir de les dates",
             "the declared state does not agree with the adhesion's dates (requested or adhered: no formalisation nor end; "
             "formalised, extended or finished: a formalisation date; formalised or extended: no end date; renounced if and "
             "only if there is a renunciation date; extended: the contract has an agreed extension); the published figures "
             "are derived from the dates"),
    # Whether a date is there is read from the raw text (a date that does not parse is the type
    # rule's error): typing three dates of every row only to test them for NULL cost most of the
    # rule. Only the rows declared extended are joined to their contract.
    sql=lambda ctx: f"""
        SELECT _row, estat AS value FROM raw_adhesions a WHERE {ESTAT_CONTRADICTS_DATES}
        UNION ALL
        SELECT a._row, a.estat AS value FROM src_adhesions a
        JOIN src_contractes c ON c.procediment_id = a.procediment_id AND c.lot_numero = a.lot_numero
        WHERE a.estat = 'PRORROGADA' AND coalesce(c.prorroga_mesos, 0) = 0 AND NOT ({ESTAT_CONTRADICTS_DATES})""",
))
table_rule(TableRule(
    code="fi-abans-formalitzacio", severity=ERROR, table="adhesions", field="data_fi", needs=("adhesions",),
    message=("l'adhesió acaba abans de formalitzar-se", "the adhesion ends before it was formalised"),
    sql=rows("adhesions", "data_fi < data_formalitzacio", "data_fi"),
))
table_rule(TableRule(
    code="operador-obligatori", severity=ERROR, table="adhesions", field="operador", needs=("adhesions", "contractes"),
    message=("falta l'operador: el procediment s'adjudica per ens (PER_ENS)", "operator missing: the procedure awards per body (PER_ENS)"),
    sql=lambda ctx: """
        SELECT a._row, a.procediment_id AS value FROM src_adhesions a
        JOIN src_contractes c USING (procediment_id, lot_numero)
        WHERE c.model_adjudicacio = 'PER_ENS' AND a.operador IS NULL""",
))
table_rule(TableRule(
    code="operador-no-admes", severity=ERROR, table="adhesions", field="operador", needs=("adhesions", "contractes"),
    message=("l'operador ha de ser buit: el procediment té un adjudicatari per lot (PER_LOT)",
             "operator must be empty: the procedure has one awardee per lot (PER_LOT)"),
    sql=lambda ctx: """
        SELECT a._row, a.operador AS value FROM src_adhesions a
        JOIN src_contractes c USING (procediment_id, lot_numero)
        WHERE c.model_adjudicacio = 'PER_LOT' AND a.operador IS NOT NULL""",
))

# --- convenis -------------------------------------------------------------------------------
table_rule(TableRule(
    code="conveni-origen-obligatori", severity=ERROR, table="convenis", field="conveni_origen_id", needs=("convenis",),
    message=("una addenda o pròrroga ha d'indicar el conveni d'origen", "an addendum or extension must name its original agreement"),
    sql=rows("convenis", "tipus IN ('ADDENDA', 'PRORROGA') AND conveni_origen_id IS NULL", "tipus"),
))
table_rule(TableRule(
    code="vigencia-invertida", severity=ERROR, table="convenis", field="data_fi_vigencia", needs=("convenis",),
    message=("la fi de vigència és anterior a l'inici", "the end of validity is before its start"),
    sql=rows("convenis", "data_fi_vigencia < data_inici_vigencia", "data_fi_vigencia"),
))
table_rule(TableRule(
    code="vigencia-abans-signatura", severity=WARNING, table="convenis", field="data_inici_vigencia", needs=("convenis",),
    message=("la vigència comença abans de la signatura", "validity starts before the signature"),
    sql=rows("convenis", "data_inici_vigencia < data_signatura", "data_inici_vigencia"),
))
table_rule(TableRule(
    code="part-sense-identificador", severity=ERROR, table="convenis_parts", field="codi_ens", needs=("convenis_parts",),
    message=("cada part necessita un codi d'ens o un NIF", "each party needs a local-body code or a NIF"),
    sql=rows("convenis_parts", "codi_ens IS NULL AND nif IS NULL", "nom"),
))
table_rule(TableRule(
    code="ens-desconegut", severity=ERROR, table="convenis_parts", field="codi_ens",
    needs=("convenis_parts", "membres", "adhesions"),
    message=("el codi d'ens no correspon a cap ens conegut (membres, adhesions o municipis del registre)",
             "the local-body code matches no known body (members, adhesions or register municipalities)"),
    sql=lambda ctx: """
        SELECT _row, codi_ens AS value FROM src_convenis_parts p
        WHERE lr_codi_ens_prefix_ok(codi_ens)
          AND codi_ens NOT IN (SELECT codi_ens FROM src_membres WHERE codi_ens IS NOT NULL)
          -- only the parts' own codes are looked for among the adhesions (a big table)
          AND codi_ens NOT IN (SELECT codi_ens FROM src_adhesions WHERE codi_ens IN (SELECT codi_ens FROM src_convenis_parts))
          AND NOT (substr(codi_ens, 1, 5) IN (SELECT codi_ine FROM register_municipis) AND substr(codi_ens, 7, 3) = '000')""",
))
