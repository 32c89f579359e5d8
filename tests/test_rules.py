"""Every validation rule of the registry, each with a failing input made from the sample by
editing one cell or row, and the exact finding it must produce (file, row, field, rule, severity).

A rule added to localret.validate.rules without a case here fails
test_every_registered_rule_has_a_failing_case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import pytest

from localret import codes
from localret.validate import FIELD_RULES, TABLE_RULES


@dataclass
class Case:
    id: str
    table: str  # the source edited (and the table whose rule fires)
    edit: Callable  # edit(SourceTable) -> the row number the finding must point at
    code: str
    field: str
    severity: str = "error"
    others: int | None = 0  # findings allowed besides the expected one (None: any)
    value: object = ...  # if given, the finding's reported value
    check: Callable | None = None  # extra check(report, src)


# --- helpers to pick rows of the sample -------------------------------------------------------
def barcelona(t) -> int:
    return t.find(nif="P0801900B")[0]


def single_episode_rows(t, tipus="AJUNTAMENT", active=True) -> list[int]:
    f = t.frame
    counts = f["codi_ens"].value_counts()
    ok = f["codi_ens"].map(counts) == 1
    ok &= f["tipus_ens"] == tipus
    ok &= f["data_baixa"].isna() if active else f["data_baixa"].notna()
    return [int(r) for r in f.loc[ok, "_row"]]


def first_with(t, **where) -> int:
    rows = t.find(**where)
    assert rows, where
    return rows[0]


def setter(field_name: str, value, pick=lambda t: 2):
    def edit(t):
        row = pick(t)
        t.set(row, field_name, value)
        return row
    return edit


def duplicate_row(pick=lambda t: 2):
    def edit(t):
        return t.append(t.row(pick(t)))
    return edit


def per_ens_adhesion(t) -> int:
    return first_with(t, procediment_id="lle-bcn-2020")


def per_lot_adhesion(t) -> int:
    return first_with(t, procediment_id="bcn-2018")


def wrong_6th_digit(t):
    row = barcelona(t)
    t.set(row, "codi_ens", "0801940008")
    return row


def wrong_10th_digit(t):
    row = barcelona(t)
    t.set(row, "codi_ens", "0801930007")
    return row


def motiu_without_date(t):
    row = single_episode_rows(t)[0]
    t.set(row, "motiu_baixa", "Acord de baixa del Ple")
    return row


def date_without_motiu(t):
    row = single_episode_rows(t)[0]
    t.set(row, "data_baixa", "2024-01-31")
    return row


def baixa_before_alta(t):
    row = single_episode_rows(t, active=False)[0]
    alta = dt.date.fromisoformat(t.get(row, "data_alta")) if "-" in t.get(row, "data_alta") else \
        dt.datetime.strptime(t.get(row, "data_alta"), "%d/%m/%Y").date()
    t.set(row, "data_baixa", (alta - dt.timedelta(days=1)).strftime("%d/%m/%Y"))
    return row


def formula_in_motiu(t):
    row = single_episode_rows(t)[0]
    t.set(row, "data_baixa", "2024-01-31")
    t.set(row, "motiu_baixa", "@cmd|' /C calc'!A0")
    return row


def overlapping_episode(t):
    row = barcelona(t)
    new = t.row(row)
    new["data_alta"] = "2020-01-01"  # Barcelona is an active member: this overlaps
    return t.append(new)


def before_foundation(t):
    row = single_episode_rows(t)[0]
    t.set(row, "data_alta", "15/03/1995")
    return row


def ajuntament_not_in_register(t):
    row = barcelona(t)
    t.set(row, "codi_ens", codes.make_codi_ens("28079"))  # Madrid: a real code, not Catalan
    return row


def _wrong_control_digit(code: str) -> str:
    return code[:5] + str((int(code[5]) + 1) % 10) + code[6:]


def wrong_digit_outside_the_register(t):
    """Not in the register and a wrong control digit: the digit's error alone (the register
    rules judge only codes whose own digit is right)."""
    row = barcelona(t)
    t.set(row, "codi_ens", _wrong_control_digit(codes.make_codi_ens("28079")))
    return row


def adhesion_wrong_digit_outside_the_register(t):
    row = per_lot_adhesion(t)
    t.set(row, "codi_ens", _wrong_control_digit(codes.make_codi_ens("28079")))
    t.set(row, "tipus_ens", "AJUNTAMENT")
    return row


def ajuntament_with_a_dependent_body_code(t):
    row = barcelona(t)
    t.set(row, "codi_ens", codes.make_codi_ens("08019", "001"))  # a body of the ajuntament, not itself
    return row


def consell_of_barcelones(t):
    row = first_with(t, tipus_ens="CONSELL_COMARCAL")
    t.set(row, "codi_ens", codes.make_codi_ens("81013"))  # the Barcelonès has no consell comarcal
    return row


def diputacio_not_a_province(t):
    row = first_with(t, tipus_ens="DIPUTACIO")
    t.set(row, "codi_ens", codes.make_codi_ens("28000"))
    return row


def acm_without_nif(t):
    row = first_with(t, nif="G08388043")
    t.set(row, "nif", None)
    return row


def ajuntament_without_code(t):
    row = barcelona(t)
    t.set(row, "codi_ens", None)
    return row


def adhesion_register(code5: str, tipus: str):
    def edit(t):
        row = per_lot_adhesion(t)
        t.set(row, "codi_ens", codes.make_codi_ens(code5))
        t.set(row, "tipus_ens", tipus)
        return row
    return edit


def lot_that_does_not_exist(t):
    row = per_lot_adhesion(t)
    t.set(row, "lot_numero", "9")
    return row


def incoherent_procedure(field_name: str, value):
    def edit(t):
        row = first_with(t, procediment_id="tar-2017", lot_numero="2")
        t.set(row, field_name, value)
        return row
    return edit


def award_above_budget(t):
    row = first_with(t, procediment_id="tar-2017", lot_numero="2")
    t.set(row, "import_adjudicacio_sense_iva", "3480000.01")
    return row


def adhesion_in(estat: str):
    return lambda t: first_with(t, estat=estat)


def formalised_without_date(t):
    row = first_with(t, estat="FORMALITZADA")
    t.set(row, "data_formalitzacio", None)
    return row


def ends_before_formalisation(t):
    row = first_with(t, estat="FINALITZADA")
    t.set(row, "data_formalitzacio", "01/06/2009")
    t.set(row, "data_fi", "01/01/2009")
    return row


def addenda_row(t) -> int:
    return first_with(t, tipus="ADDENDA")


def unknown_party_code(t):
    row = first_with(t, codi_ens="8101920002")
    t.set(row, "codi_ens", codes.make_codi_ens("70999"))  # a well-formed EMD code nobody knows
    return row


def party_without_identifier(t):
    row = first_with(t, codi_ens="8101920002")
    t.set(row, "codi_ens", None)
    return row


def conveni_row(t) -> int:
    return first_with(t, conveni_id="C-2014-001")


def not_personal(report, src):
    """The report never repeats a value suspected of being personal data."""
    hits = [f for f in report.findings if f.code == "dades-personals"]
    assert hits and all(f.value is None for f in hits)
    text = report.to_text() + report.to_json() + report.to_markdown()
    for secret in ("jordi.puig@", "345 678", "402 29 20", "26 88 14", "612345678", "12345678Z", "Y1234567"):
        assert secret not in text


CASES = [
    # --- membres (an .xlsx: the edited copy is written as membres.csv) -----------------------------
    Case("codi-ens-control-digit", "membres", wrong_6th_digit, "codi-ens-digit-control", "codi_ens", value="0801940008"),
    Case("codi-ens-10th-digit", "membres", wrong_10th_digit, "codi-ens-digit-final", "codi_ens", "warning"),
    Case("codi-ens-control-digit-outside-the-register", "membres", wrong_digit_outside_the_register,
         "codi-ens-digit-control", "codi_ens"),
    Case("codi-ens-not-digits", "membres", setter("codi_ens", "08019300AB", barcelona), "format-incorrecte", "codi_ens"),
    Case("codi-ens-too-long", "membres", setter("codi_ens", "08019300081", barcelona), "format-incorrecte", "codi_ens"),
    Case("nif-letter", "membres", setter("nif", "P0801900C", barcelona), "nif-incorrecte", "nif", value="P0801900C"),
    Case("nom-missing", "membres", setter("nom", None), "valor-obligatori", "nom"),
    Case("data-alta-missing", "membres", setter("data_alta", None), "valor-obligatori", "data_alta"),
    Case("tipus-ens-not-in-enum", "membres", setter("tipus_ens", "AJUNTAMENTS"), "valor-no-admes", "tipus_ens"),
    Case("tipus-ens-not-member-type", "membres", setter("tipus_ens", "EMD"), "valor-no-admes", "tipus_ens"),
    Case("tipus-data-alta-not-in-enum", "membres", setter("tipus_data_alta", "PLE"), "valor-no-admes", "tipus_data_alta"),
    Case("impossible-date", "membres", setter("data_alta", "31/02/2023"), "tipus-incorrecte", "data_alta", value="31/02/2023"),
    Case("impossible-iso-date", "membres", setter("data_alta", "2023-02-31"), "tipus-incorrecte", "data_alta"),
    Case("us-date", "membres", setter("data_alta", "02/15/2001"), "tipus-incorrecte", "data_alta"),
    # dd/mm/yy: strptime's %Y alone would read it as the year 1 and publish 0001-03-15
    Case("two-digit-year", "membres", setter("data_alta", "15/03/01"), "tipus-incorrecte", "data_alta", value="15/03/01"),
    Case("nom-too-long", "membres", setter("nom", "Ajuntament " + "x" * 300), "massa-llarg", "nom"),
    Case("formula-nom", "membres", setter("nom", "=SUM(A1:A9)"), "possible-formula", "nom", value="=SUM(A1:A9)"),
    Case("formula-motiu", "membres", formula_in_motiu, "possible-formula", "motiu_baixa"),
    Case("codi-ens-required", "membres", ajuntament_without_code, "codi-ens-obligatori", "codi_ens"),
    Case("nif-required", "membres", acm_without_nif, "nif-obligatori", "nif"),
    Case("motiu-without-date", "membres", motiu_without_date, "motiu-baixa-sense-data", "motiu_baixa"),
    Case("date-without-motiu", "membres", date_without_motiu, "baixa-sense-motiu", "motiu_baixa"),
    Case("baixa-before-alta", "membres", baixa_before_alta, "baixa-abans-alta", "data_baixa"),
    Case("alta-before-1997", "membres", before_foundation, "alta-abans-fundacio", "data_alta", "warning"),
    Case("overlapping-episodes", "membres", overlapping_episode, "episodis-encavalcats", "data_alta"),
    Case("ajuntament-not-in-register", "membres", ajuntament_not_in_register, "municipi-inexistent", "codi_ens"),
    Case("ajuntament-dependent-body-code", "membres", ajuntament_with_a_dependent_body_code, "municipi-inexistent", "codi_ens"),
    Case("consell-comarcal-barcelones", "membres", consell_of_barcelones, "consell-comarcal-inexistent", "codi_ens"),
    Case("diputacio-not-a-province", "membres", diputacio_not_a_province, "diputacio-inexistent", "codi_ens"),
    # --- contractes ------------------------------------------------------------------------------------------
    Case("contractes-duplicate-key", "contractes", duplicate_row(), "clau-duplicada", "procediment_id,lot_numero", others=None),
    Case("negative-amount", "contractes", setter("import_adjudicacio_sense_iva", "-369875.12"), "valor-massa-petit", "import_adjudicacio_sense_iva"),
    Case("lot-zero", "contractes", setter("lot_numero", "0", lambda t: 4), "valor-massa-petit", "lot_numero", others=None),
    Case("decimal-comma-in-comma-file", "contractes", setter("pressupost_sense_iva", "412500,00"), "tipus-incorrecte", "pressupost_sense_iva"),
    Case("integer-not-integer", "contractes", setter("durada_mesos", "24.5"), "tipus-incorrecte", "durada_mesos", others=None),
    Case("ambit-pattern", "contractes", setter("ambit", "BCN,GIR"), "format-incorrecte", "ambit", others=None),
    Case("servei-not-in-enum", "contractes", setter("servei", "INTERNET"), "valor-no-admes", "servei"),
    Case("titol-missing", "contractes", setter("titol", None), "valor-obligatori", "titol", others=None),
    Case("procedure-title-disagrees", "contractes", incoherent_procedure("titol", "Un altre títol"), "procediment-incoherent", "titol", others=1),
    Case("procedure-duration-disagrees", "contractes", incoherent_procedure("durada_mesos", "36"), "procediment-incoherent", "durada_mesos", others=1),
    Case("procedure-date-disagrees", "contractes", incoherent_procedure("data_adjudicacio", "2017-01-01"), "procediment-incoherent", "data_adjudicacio", others=1),
    Case("procedure-extension-disagrees", "contractes", incoherent_procedure("prorroga_max_mesos", "36"), "procediment-incoherent", "prorroga_max_mesos", others=1),
    Case("procedure-ambit-disagrees", "contractes", incoherent_procedure("ambit", "TAR;LLE"), "procediment-incoherent", "ambit", others=1),
    Case("procedure-formalisation-disagrees", "contractes", incoherent_procedure("data_formalitzacio", "2018-03-01"), "procediment-incoherent", "data_formalitzacio", others=1),
    Case("procedure-agreed-extension-disagrees", "contractes", incoherent_procedure("prorroga_mesos", "12"), "procediment-incoherent", "prorroga_mesos", others=1),
    Case("extension-above-maximum", "contractes", setter("prorroga_mesos", "36", lambda t: first_with(t, procediment_id="segarra-2010")),
         "prorroga-excessiva", "prorroga_mesos", others=None),
    Case("formalised-before-award", "contractes", setter("data_formalitzacio", "2010-03-01", lambda t: first_with(t, procediment_id="segarra-2010")),
         "formalitzacio-abans-adjudicacio", "data_formalitzacio", others=None),
    Case("procedure-model-disagrees", "contractes", incoherent_procedure("model_adjudicacio", "PER_ENS"), "procediment-incoherent", "model_adjudicacio", others=None),
    Case("per-ens-with-awardee", "contractes", setter("adjudicatari", "Vodafone España, S.A.U.", lambda t: first_with(t, procediment_id="lle-bcn-2020")),
         "adjudicatari-per-ens", "adjudicatari"),
    Case("award-above-budget", "contractes", award_above_budget, "adjudicacio-supera-pressupost", "import_adjudicacio_sense_iva", "warning"),
    # --- adhesions (Windows-1252, semicolons, decimal comma) -------------------------------------------------
    Case("adhesions-duplicate-key", "adhesions", duplicate_row(), "clau-duplicada", "codi_ens,procediment_id,lot_numero"),
    Case("fk-missing-lot", "adhesions", lot_that_does_not_exist, "referencia-inexistent", "procediment_id,lot_numero"),
    Case("decimal-point-in-semicolon-file", "adhesions", setter("consum_anual_sense_iva", "1234.56"), "tipus-incorrecte", "consum_anual_sense_iva", value="1234.56"),
    Case("negative-consumption", "adhesions", setter("consum_anual_sense_iva", "-1.234,56"), "valor-massa-petit", "consum_anual_sense_iva"),
    Case("estat-not-in-enum", "adhesions", setter("estat", "ACTIVA"), "valor-no-admes", "estat"),
    Case("adhesion-codi-ens-missing", "adhesions", setter("codi_ens", None, per_lot_adhesion), "valor-obligatori", "codi_ens"),
    Case("per-ens-without-operator", "adhesions", setter("operador", None, per_ens_adhesion), "operador-obligatori", "operador"),
    Case("per-lot-with-operator", "adhesions", setter("operador", "Orange Espagne, S.A.U.", per_lot_adhesion), "operador-no-admes", "operador"),
    Case("adhesion-municipality-not-in-register", "adhesions", adhesion_register("28079", "AJUNTAMENT"), "municipi-inexistent", "codi_ens"),
    Case("adhesion-consell-of-barcelones", "adhesions", adhesion_register("81013", "CONSELL_COMARCAL"), "consell-comarcal-inexistent", "codi_ens"),
    Case("adhesion-diputacio-not-a-province", "adhesions", adhesion_register("28000", "DIPUTACIO"), "diputacio-inexistent", "codi_ens"),
    Case("renounced-without-date", "adhesions", setter("estat", "RENUNCIADA", adhesion_in("FORMALITZADA")), "estat-incoherent", "estat", "warning"),
    Case("renunciation-date-but-in-force", "adhesions", setter("data_renuncia", "01/03/2022", adhesion_in("FORMALITZADA")), "estat-incoherent", "estat", "warning"),
    Case("requested-but-formalised", "adhesions", setter("estat", "SOL·LICITADA", adhesion_in("FORMALITZADA")), "estat-incoherent", "estat", "warning"),
    Case("formalised-without-formalisation", "adhesions", formalised_without_date, "estat-incoherent", "estat", "warning"),
    Case("in-force-with-end-date", "adhesions", setter("data_fi", "01/03/2022", adhesion_in("FORMALITZADA")), "estat-incoherent", "estat", "warning"),
    Case("extended-without-extension", "adhesions", setter("estat", "PRORROGADA", lambda t: first_with(t, procediment_id="garrotxa-2008", estat="FINALITZADA")), "estat-incoherent", "estat", "warning"),
    Case("adhesion-ends-before-formalisation", "adhesions", ends_before_formalisation, "fi-abans-formalitzacio", "data_fi"),
    Case("adhesion-codi-ens-control", "adhesions", setter("codi_ens", "0801940008", per_lot_adhesion), "codi-ens-digit-control", "codi_ens"),
    Case("adhesion-codi-ens-control-outside-the-register", "adhesions", adhesion_wrong_digit_outside_the_register,
         "codi-ens-digit-control", "codi_ens"),
    # --- convenis ---------------------------------------------------------------------------------------------
    Case("convenis-duplicate-key", "convenis", setter("conveni_id", "C-2001-001", lambda t: 3), "clau-duplicada", "conveni_id", others=None),
    Case("addenda-without-origin", "convenis", setter("conveni_origen_id", None, addenda_row), "conveni-origen-obligatori", "conveni_origen_id"),
    Case("origin-does-not-exist", "convenis", setter("conveni_origen_id", "C-1999-001", addenda_row), "referencia-inexistent", "conveni_origen_id"),
    Case("validity-end-before-start", "convenis", setter("data_fi_vigencia", "2014-10-02", conveni_row), "vigencia-invertida", "data_fi_vigencia"),
    Case("validity-before-signature", "convenis", setter("data_inici_vigencia", "2014-10-01", conveni_row), "vigencia-abans-signatura", "data_inici_vigencia", "warning"),
    Case("signature-two-digit-year", "convenis", setter("data_signatura", "03/10/14", conveni_row), "tipus-incorrecte", "data_signatura"),
    Case("prorrogable-not-boolean", "convenis", setter("prorrogable", "potser"), "tipus-incorrecte", "prorrogable"),
    Case("tipus-conveni-not-in-enum", "convenis", setter("tipus", "CONTRACTE"), "valor-no-admes", "tipus"),
    Case("conveni-id-pattern", "convenis", setter("conveni_id", "C 2001/001"), "format-incorrecte", "conveni_id", others=None),
    Case("negative-planned-amount", "convenis", setter("import_total_previst", "-147000.00"), "valor-massa-petit", "import_total_previst"),
    Case("objecte-too-long", "convenis", setter("objecte", "Col·laborar " * 400), "massa-llarg", "objecte"),
    Case("email-in-objecte", "convenis", setter("objecte", "Coordinar el projecte amb jordi.puig@example.cat i el Consorci."),
         "dades-personals", "objecte", value=None, check=not_personal),
    *[Case(f"phone-in-objecte-{i}", "convenis", setter("objecte", f"Contacte tècnic: {phone}, de dilluns a divendres."),
           "dades-personals", "objecte", value=None, check=not_personal)
      for i, phone in enumerate(["612 345 678", "93 402 29 20", "973 26 88 14", "+34 612345678", "612-345-678"])],
    Case("dni-in-objecte", "convenis", setter("objecte", "Signa en representació la persona amb DNI 12345678Z."),
         "dades-personals", "objecte", value=None, check=not_personal),
    Case("nie-in-objecte", "convenis", setter("objecte", "Representant amb NIE Y1234567X."),
         "dades-personals", "objecte", value=None, check=not_personal),
    Case("formula-titol", "convenis", setter("titol", "=HYPERLINK(\"http://x\")"), "possible-formula", "titol"),
    Case("formula-plus", "convenis", setter("titol", "+34 conveni"), "possible-formula", "titol"),
    # the tab is also a control character in a field that is not free text (caracter-control)
    Case("formula-after-a-tab", "convenis", setter("titol", "\t=HYPERLINK(\"http://x\")"), "possible-formula", "titol", others=1),
    # --- convenis_parts ---------------------------------------------------------------------------------------
    Case("parts-duplicate-key", "convenis_parts", duplicate_row(), "clau-duplicada", "conveni_id,nom,rol"),
    Case("parts-unknown-conveni", "convenis_parts", setter("conveni_id", "C-1999-001"), "referencia-inexistent", "conveni_id"),
    Case("party-without-identifier", "convenis_parts", party_without_identifier, "part-sense-identificador", "codi_ens"),
    Case("party-unknown-body", "convenis_parts", unknown_party_code, "ens-desconegut", "codi_ens"),
    Case("party-nif-letter", "convenis_parts", setter("nif", "P5800010K"), "nif-incorrecte", "nif"),
    Case("party-nif-malformed", "convenis_parts", setter("nif", "P58O0010J"), "nif-incorrecte", "nif"),
    Case("rol-not-in-enum", "convenis_parts", setter("rol", "FIRMANT"), "valor-no-admes", "rol"),
    Case("carrec-too-long", "convenis_parts", setter("carrec_signant", "Alcalde " * 60), "massa-llarg", "carrec_signant"),
    # --- input sanity (validate/sanity_rules.py) ---------------------------------------------------------------
    Case("control-c1", "contractes", setter("adjudicatari", "Telefónica de España,\x85 S.A.U."), "caracter-control", "adjudicatari"),
    Case("control-c0-escape", "convenis_parts", setter("carrec_signant", "Alcalde\x1b[2J de Vic"), "caracter-control", "carrec_signant"),
    Case("control-bidi-override", "convenis_parts", setter("carrec_signant", "Alcalde \u202eciV ed"), "caracter-control", "carrec_signant"),
    Case("control-bidi-isolate", "membres", setter("nom", "Ajuntament de \u2068Prova\u2069", barcelona), "caracter-control", "nom"),
    Case("control-line-break-not-free-text", "convenis_parts", setter("carrec_signant", "Alcalde\nde Vic"), "caracter-control", "carrec_signant"),
    Case("control-bell-in-free-text", "convenis", setter("objecte", "Objecte\x07 del conveni"), "caracter-control", "objecte"),
    Case("control-bidi-mark", "convenis_parts", setter("carrec_signant", "Alcalde\u200f de Vic"), "caracter-control", "carrec_signant"),
    Case("control-zero-width-space", "contractes", setter("adjudicatari", "Vodafone\u200b España, S.A.U."), "caracter-control", "adjudicatari"),
    Case("control-bom-inside-a-value", "convenis", setter("titol", "\ufeffConveni marc"), "caracter-control", "titol"),
    Case("control-line-separator-not-free-text", "convenis_parts", setter("carrec_signant", "Alcalde\u2028de Vic"), "caracter-control",
         "carrec_signant"),
    Case("control-in-private-field", "membres", setter("observacions", "trucar\x0cdilluns"), "caracter-control", "observacions", value=None),
    Case("field-over-1-mib", "membres", setter("observacions", "x" * (1024 * 1024 + 1)), "camp-massa-gran", "observacions", value=None),
    Case("excel-error-value", "contractes", setter("pressupost_sense_iva", "#N/A"), "valor-error-excel", "pressupost_sense_iva"),
    Case("excel-error-ref-in-text", "convenis_parts", setter("carrec_signant", "#REF!"), "valor-error-excel", "carrec_signant"),
    Case("datetime-with-time", "membres", setter("data_alta", "15/03/2001 10:30", lambda t: single_episode_rows(t)[0]),
         "data-amb-hora", "data_alta"),
    Case("iso-datetime-with-seconds", "adhesions", setter("data_adhesio", "2019-05-02 00:00:01"), "data-amb-hora", "data_adhesio"),
    Case("year-before-1900", "adhesions", setter("data_adhesio", "01/01/1850"), "data-fora-de-rang", "data_adhesio"),
    Case("year-after-2100", "convenis", setter("data_fi_vigencia", "2999-12-31", conveni_row), "data-fora-de-rang", "data_fi_vigencia"),
    Case("future-adhesion", "adhesions", setter("data_adhesio", "01/01/2098"), "data-futura", "data_adhesio", "warning"),
]


def run_case(sources, case: Case):
    t = sources.table(case.table)
    row = case.edit(t)
    path = t.save()
    report, src = sources.validate()
    return path, row, report, src


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(sources, case, monkeypatch):
    """Each rule's failing input is found at its file, row and field, with its severity; and
    the big-table paths find the very same rows: table rules over a big table
    (validate.BIG_TABLE_ROWS) are planned by DuckDB's optimizer, and a column with many
    distinct values (field_pass.OWN_QUERY_VALUES) is judged by a query of its own rather than
    in the shared, mask-guarded one; lowering both thresholds to every table and column must
    give the same findings (one more validation of the same ingested sources, not a second
    copy of the case nor a second reading)."""
    import localret.validate as validate_module
    from localret.validate import field_pass

    path, row, report, src = run_case(sources, case)
    hits = [f for f in report.findings
            if (f.file, f.row, f.field, f.code, f.severity) == (path.name, row, case.field, case.code, case.severity)]
    assert len(hits) == 1, f"expected {case.code} at {path.name} row {row} field {case.field}; got:\n{report.to_text()}"
    if case.value is not ...:
        assert hits[0].value == case.value
    if case.others is not None:
        assert len(report.findings) == 1 + case.others, report.to_text()
    if case.severity == "warning":
        assert report.ok and report.error_count == 0 and report.warning_count >= 1
    else:
        assert not report.ok and report.error_count >= 1
    if case.check:
        case.check(report, src)

    # The same ingested sources judged again (reading them does not depend on the threshold):
    # validation only (re)creates its views and functions on the connection and keeps nothing.
    from localret import stages

    monkeypatch.setattr(validate_module, "BIG_TABLE_ROWS", 0)
    monkeypatch.setattr(field_pass, "OWN_QUERY_VALUES", 0)
    again = stages.check(src)
    assert [f.line() for f in again.sorted()] == [f.line() for f in report.sorted()]
    assert any((f.row, f.code) == (row, case.code) for f in again.findings)


# --- the registry is covered -----------------------------------------------------------------------
def test_every_registered_rule_has_a_failing_case():
    covered_codes = {c.code for c in CASES}
    missing_codes = {r.code for r in FIELD_RULES + TABLE_RULES} - covered_codes
    assert not missing_codes, f"rules without a failing-input test in test_rules.CASES: {sorted(missing_codes)}"
    covered = {(c.table, c.code) for c in CASES}
    missing_tables = {(t, code) for t, code in {(r.table, r.code) for r in TABLE_RULES}} - covered
    assert not missing_tables, f"table rules without a case on their table: {sorted(missing_tables)}"
    for rule in TABLE_RULES:
        if rule.code == "procediment-incoherent":
            continue
        assert any(c.code == rule.code and c.table == rule.table and c.field == rule.field for c in CASES), (rule.table, rule.code, rule.field)
    incoherent = {r.field for r in TABLE_RULES if r.code == "procediment-incoherent"}
    assert incoherent <= {c.field for c in CASES if c.code == "procediment-incoherent"}


def test_registered_severities_match_the_cases():
    severity = {r.code: r.severity for r in FIELD_RULES + TABLE_RULES}
    for c in CASES:
        assert severity[c.code] == c.severity, c.id


# --- the untouched sample, and what must be accepted ------------------------------------------------
def test_sample_is_valid_without_warnings(sample_dir):
    from localret import stages

    report = stages.check(stages.read_sources(sample_dir))
    assert report.error_count == 0 and report.warning_count == 0, report.to_text()
    assert report.findings == [] and report.ok


def test_code_that_lost_its_leading_zero_is_accepted_after_padding(sources):
    t = sources.table("membres")
    row = barcelona(t)
    t.set(row, "codi_ens", "801930008")
    t.save()
    report, src = sources.validate()
    assert report.findings == [], report.to_text()
    got = src.con.execute("SELECT codi_ens FROM src_membres WHERE _row = ?", [row]).fetchall()
    assert got == [("0801930008",)]


def test_dd_mm_yyyy_and_iso_dates_are_both_accepted(sources):
    t = sources.table("membres")
    a, b = single_episode_rows(t)[:2]
    t.set(a, "data_alta", "15/03/2001")
    t.set(b, "data_alta", "2001-03-15")
    t.set(b, "data_baixa", "1/4/2005")  # no zero padding either
    t.set(b, "motiu_baixa", "Acord de baixa del Ple")
    t.save()
    report, src = sources.validate()
    assert report.findings == [], report.to_text()
    got = dict(src.con.execute("SELECT _row, data_alta FROM src_membres WHERE _row IN (?, ?)", [a, b]).fetchall())
    assert got == {a: dt.date(2001, 3, 15), b: dt.date(2001, 3, 15)}
    assert src.con.execute("SELECT data_baixa FROM src_membres WHERE _row = ?", [b]).fetchall() == [(dt.date(2005, 4, 1),)]


def test_decimal_comma_with_thousands_in_the_semicolon_file_is_accepted(sources):
    t = sources.table("adhesions")
    assert t.delimiter == ";"
    row = 2
    t.set(row, "consum_anual_sense_iva", "1.234,56")
    t.set(3, "consum_anual_sense_iva", "1234,5")
    t.set(4, "consum_anual_sense_iva", "12")
    t.save()
    report, src = sources.validate()
    assert report.findings == [], report.to_text()
    got = dict(src.con.execute("SELECT _row, consum_anual_sense_iva FROM src_adhesions WHERE _row IN (2, 3, 4)").fetchall())
    assert got == {2: pytest.approx(1234.56), 3: pytest.approx(1234.5), 4: pytest.approx(12.0)}


@pytest.mark.parametrize("value", ["1,234.56", "1.23,4", "12.34.56"])
def test_malformed_numbers_in_the_semicolon_file_are_refused(sources, value):
    t = sources.table("adhesions")
    t.set(2, "consum_anual_sense_iva", value)
    path = t.save()
    report, _ = sources.validate()
    assert [(f.file, f.row, f.field, f.code) for f in report.findings] == [(path.name, 2, "consum_anual_sense_iva", "tipus-incorrecte")]


def test_negative_numbers_are_not_taken_for_formulas(sources):
    """'-5' in a number column is a (too small) number, not a formula: one finding, the right one."""
    t = sources.table("contractes")
    t.set(2, "import_adjudicacio_sense_iva", "-5")
    path = t.save()
    report, _ = sources.validate()
    assert [(f.file, f.row, f.code) for f in report.findings] == [(path.name, 2, "valor-massa-petit")]


def test_wrong_10th_digit_is_only_a_warning(sources):
    """The rule for digit 10 is empirical: a warning that does not stop the later stages (the
    publication itself, end to end, is in test_cli.test_publish_with_warnings_only)."""
    from localret import build

    t = sources.table("membres")
    row = barcelona(t)
    t.set(row, "codi_ens", "0801930007")
    t.save()
    report, src = sources.validate()
    assert report.ok and report.error_count == 0 and report.warning_count == 1
    built = build.build(src.con, dt.date(2026, 11, 27), src.register_meta, only=["membres"])
    assert [r.rows for r in built[0].resources] == [len(t.frame)]
    got = src.con.execute("SELECT count(*) FROM out_membres WHERE codi_ens = '0801930007'").fetchone()[0]
    assert got == 1


def test_line_breaks_and_tabs_are_allowed_in_free_text_only(sources):
    t = sources.table("convenis")
    t.set(2, "objecte", "Primer paràgraf.\r\nSegon\tparàgraf.")
    t.save()
    report, src = sources.validate()
    assert report.findings == [], report.to_text()
    got = src.con.execute("SELECT objecte FROM src_convenis WHERE _row = 2").fetchone()[0]
    assert got == "Primer paràgraf.\r\nSegon\tparàgraf."


def test_dates_at_midnight_are_read_as_dates(sources):
    t = sources.table("adhesions")
    t.set(2, "data_adhesio", "01/03/2014 0:00")
    t.set(3, "data_adhesio", "2014-03-01 00:00:00")
    t.set(4, "data_adhesio", "2014-03-01T00:00")
    t.save()
    report, src = sources.validate()
    assert report.findings == [], report.to_text()
    got = src.con.execute("SELECT DISTINCT data_adhesio FROM src_adhesions WHERE _row IN (2, 3, 4)").fetchall()
    assert got == [(dt.date(2014, 3, 1),)]


def test_a_repeated_problem_takes_one_line_and_the_others_stay_visible(sources):
    t = sources.table("adhesions")
    n = len(t.frame)
    t.frame["estat"] = "ACTIVA"
    t.set(5, "consum_anual_sense_iva", "-3")
    t.save()
    report, _ = sources.validate()
    text = report.to_text()
    lines = [line for line in text.splitlines() if "valor-no-admes" in line]
    assert len(lines) == 1 and f"(x{n} files/rows; primeres/first: 2, 3, 4, 5, 6)" in lines[0]
    assert "fila 5, camp 'consum_anual_sense_iva'" in text
    assert len([f for f in report.findings if f.code == "valor-no-admes"]) == n  # the details stay in the report


def test_private_columns_are_not_checked_for_formulas(sources):
    """A private note may start with '=': it is never published, so it is not an error."""
    t = sources.table("membres")
    t.set(2, "observacions", "=trucar dilluns")
    t.save()
    report, _ = sources.validate()
    assert report.findings == [], report.to_text()


def test_counts_stay_exact_beyond_the_detail_limit(sources):
    from localret.validate.report import DETAIL_LIMIT

    t = sources.table("adhesions")
    n = len(t.frame)
    t.frame["estat"] = "ACTIVA"
    t.save()
    report, _ = sources.validate()
    key = ("adhesions.csv", "valor-no-admes", "estat", "error")
    assert report.counts[key] == n
    assert len([f for f in report.findings if f.code == "valor-no-admes"]) == min(n, DETAIL_LIMIT)
    assert report.error_count == n
