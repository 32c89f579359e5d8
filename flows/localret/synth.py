"""Synthetic sources at any scale, for tests and benchmarks.

Scale 1 is the bundled sample's records (the same seeded generators of localret.sample);
scale f adds synthetic aggregated procedures (with their lots in contractes.csv and one
adhesion agreement each in convenis.csv / convenis_parts.csv) until adhesions.csv holds
(sample's adhesions) x f rows. The adhering bodies are real register municipalities (suffix 000, AJUNTAMENT)
and invented dependent bodies of them (suffixes 001..999: organismes autònoms, societats
mercantils locals, consorcis ...) whose codes come from localret.codes.make_codi_ens's
algorithm, so every control digit (6th and 10th) is consistent.

Every file is written as UTF-8, comma-separated, ISO dates and decimal point; adhesions are
streamed to disk in chunks, so ten million rows need little memory.

`plant_errors(n, seed, rows)` chooses a known set of errors of the kinds frictionless also
detects (types, required, enum, pattern, minimum, maxLength, duplicate primary key, foreign
key to a missing lot); `generate(..., errors=n)` plants them in adhesions.csv and returns the
exact set of (row, field, code) that the validation must report.

    python -m localret.synth --scale 100 --out DIR [--errors 300] [--seed 1997] [--adhesions N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from localret import sample
from localret.codes import control_digit
from localret.register import load_register

CHUNK = 20_000  # rows per write
MAX_SUFFIX = 999
SERVICES = ["FIX_VEU_DADES", "MOBIL", "VEU_FIXA", "CONNECTIVITAT_DADES"]
AMBITS = {"BCN": ["08"], "GIR": ["17"], "LLE": ["25"], "TAR": ["43"], "LLE;BCN": ["25", "08"], "BCN;GIR": ["08", "17"],
          "GIR;TAR": ["17", "43"], "BCN;GIR;LLE;TAR": ["08", "17", "25", "43"]}
AMBIT_WEIGHTS = [30, 12, 12, 12, 8, 8, 6, 12]
DEMARCACIO = {"BCN": "de la demarcació de Barcelona", "GIR": "de la demarcació de Girona", "LLE": "de la demarcació de Lleida",
              "TAR": "de la demarcació de Tarragona", "LLE;BCN": "de les demarcacions de Lleida i Barcelona",
              "BCN;GIR": "de les demarcacions de Barcelona i Girona", "GIR;TAR": "de les demarcacions de Girona i Tarragona",
              "BCN;GIR;LLE;TAR": "de Catalunya"}
# Dependent bodies of a municipality (suffix s = 1..999): type by s % 10, name by type.
DEPENDENT_TYPES = ["ORGANISME_AUTONOM", "SOCIETAT_MERCANTIL_LOCAL", "ORGANISME_AUTONOM", "CONSORCI", "SOCIETAT_MERCANTIL_LOCAL",
                   "ORGANISME_AUTONOM", "ENTITAT_PUBLICA_EMPRESARIAL", "MANCOMUNITAT", "ORGANISME_AUTONOM", "SOCIETAT_MERCANTIL_LOCAL"]
DEPENDENT_NAMES = {  # "{of}" = "de <municipality>" with its contraction
    "ORGANISME_AUTONOM": ["Institut Municipal d'Esports {of}", "Patronat Municipal de Cultura {of}", "Institut Municipal d'Educació {of}",
                          "Organisme Autònom de Serveis Socials {of}", "Patronat Municipal de Turisme {of}",
                          "Institut Municipal de Promoció Econòmica {of}"],
    "SOCIETAT_MERCANTIL_LOCAL": ["Empresa Municipal d'Aigües {of}, SA", "Societat Municipal d'Habitatge {of}, SL", "Promocions Municipals {of}, SA",
                                 "Serveis Municipals de Neteja {of}, SA", "Aparcaments Municipals {of}, SL"],
    "CONSORCI": ["Consorci de Promoció Econòmica {of}", "Consorci Sanitari {of}", "Consorci de Gestió de Residus {of}"],
    "ENTITAT_PUBLICA_EMPRESARIAL": ["Entitat Pública Empresarial de Serveis {of}", "Entitat Pública de Comunicació Local {of}"],
    "MANCOMUNITAT": ["Mancomunitat de Serveis {of}", "Mancomunitat Intermunicipal {of}"],
}
LOT_WEIGHT = sample.LOT_WEIGHT
FIRST = sample.FIRST_M + sample.FIRST_F
SURNAMES = sample.SURNAMES
FIRST_SLUG = {n: sample.slug(n) for n in FIRST}
SURNAME_SLUG = {n: sample.slug(n) for n in SURNAMES}


# ------------------------------------------------------------------------------ bodies
@dataclass(frozen=True)
class Municipality:
    ine: str
    prefix6: str
    name: str
    of: str  # "d'Abrera", "del Masnou"
    prov: str
    pop: int
    domain: str


def municipalities() -> dict[str, list[Municipality]]:
    """Real register municipalities by province (sorted by INE code)."""
    reg, _ = load_register()
    out: dict[str, list[Municipality]] = {}
    for m in reg.sort_values("codi_ine").itertuples():
        out.setdefault(m.provincia_codi, []).append(Municipality(
            m.codi_ine, m.codi_ine + str(control_digit(m.codi_ine)), m.nom, sample.de(m.nom), m.provincia_codi, int(m.poblacio),
            sample.slug(sample.bare(m.nom)) + ".cat"))
    return out


# The last four digits of a code (suffix and 10th digit) for each 6th digit: the arithmetic of
# codes.make_codi_ens, tabulated once (make_codi_ens(ine5, suffix3) == body_code(m, suffix)).
_TAILS = [[f"{s:03d}{control_digit('0' + str(d6) + f'{s:03d}')}" for s in range(MAX_SUFFIX + 1)] for d6 in range(10)]


def body_code(m: Municipality, suffix: int) -> str:
    return m.prefix6 + _TAILS[int(m.prefix6[5])][suffix]


def body_name(m: Municipality, suffix: int) -> tuple[str, str]:
    """(name, tipus_ens) of a municipality's body: its ajuntament (suffix 0) or a dependent body."""
    if suffix == 0:
        return "Ajuntament " + m.of, "AJUNTAMENT"
    tipus = DEPENDENT_TYPES[(suffix + int(m.ine)) % 10]
    names = DEPENDENT_NAMES[tipus]
    k = suffix // 10
    name = names[k % len(names)].format(of=m.of)
    return (name if k < len(names) else f"{name} ({k // len(names) + 1})"), tipus


# ------------------------------------------------------------------------------ planted errors
# kind -> (field, our code); the variants are what a person might type.
KINDS = {
    "type-integer": ("lot_numero", "tipus-incorrecte"),
    "type-number": ("consum_anual_sense_iva", "tipus-incorrecte"),
    "type-date": ("data_adhesio", "tipus-incorrecte"),
    "required": (None, "valor-obligatori"),
    "enum": (None, "valor-no-admes"),
    "pattern": ("codi_ens", "format-incorrecte"),
    "minimum": ("consum_anual_sense_iva", "valor-massa-petit"),
    "max-length": ("nom_ens", "massa-llarg"),
    "primary-key": ("codi_ens,procediment_id,lot_numero", "clau-duplicada"),
    "foreign-key": ("procediment_id,lot_numero", "referencia-inexistent"),
}
REQUIRED_FIELDS = ["codi_ens", "nom_ens", "tipus_ens", "procediment_id", "lot_numero", "data_adhesio", "estat"]
ENUM_FIELDS = {"tipus_ens": ["AJUNTAMENTS", "ajuntament", "EMPRESA", "Organisme autònom"],
               "estat": ["ANUL·LADA", "adherida", "EN TRÀMIT", "Formalitzada"]}
BAD_INTEGERS = ["dos", "1.5", "2a", "1,0", "--1"]
BAD_NUMBERS = ["n/d", "12.34.5", "1 200,50", "€300", "12,5"]
BAD_DATES = ["2021-02-30", "31-12-2020", "2020/05/04", "ahir", "2019-13-01", "15/13/2020"]
# Mistyped codes, made from the row's own code so that they stay unique (no second error).
BAD_CODES = {"letter": lambda c: c[:5] + "A" + c[6:], "dash": lambda c: c[:5] + "-" + c[5:], "prefix": lambda c: "CODI-" + c,
             "space": lambda c: c[:2] + " " + c[2:], "eleven": lambda c: c + "0", "x": lambda c: c[:9] + "X"}
COLUMNS = sample.fields("adhesions")
IDX = {c: i for i, c in enumerate(COLUMNS)}


@dataclass
class ErrorPlan:
    """Which rows get which error. `expected` is the exact set of (row, field, code) the
    validation must report (rows numbered as in a spreadsheet: header = 1)."""

    changes: dict[int, tuple[str, str, object]] = field(default_factory=dict)  # row -> (kind, field, new value | source row)
    sources: set[int] = field(default_factory=set)  # rows copied onto a later row (duplicate keys)
    expected: set[tuple[int, str, str]] = field(default_factory=set)

    def apply(self, row_number: int, cells: list, saved: dict[int, list]) -> list:
        if row_number in self.sources:
            saved[row_number] = list(cells)
        change = self.changes.get(row_number)
        if change is None:
            return cells
        kind, fname, value = change
        if kind == "primary-key":
            return list(saved.pop(value))
        cells = list(cells)
        cells[IDX[fname]] = BAD_CODES[value](cells[IDX[fname]]) if kind == "pattern" else value
        return cells


def plant_errors(n: int, seed: int, rows: int) -> ErrorPlan:
    """n errors (every kind in turn) in distinct rows of an adhesions file of `rows` data
    rows. A duplicate key copies a whole earlier, untouched row, so each planted error is the
    only error of its row (see tests/test_differential.py for how frictionless counts them)."""
    if rows < 2 * n + 2:
        raise ValueError(f"{n} errors need at least {2 * n + 2} rows (there are {rows})")
    rng = random.Random(f"{seed}-errors")
    targets = rng.sample(range(3, rows + 2), n)  # row 2 has no earlier row to copy
    plan = ErrorPlan()
    taken = set(targets)
    kinds = list(KINDS)
    for i, row in enumerate(targets):
        kind = kinds[i % len(kinds)]
        fname, code = KINDS[kind]
        if kind == "type-integer":
            value = rng.choice(BAD_INTEGERS)
        elif kind == "type-number":
            value = rng.choice(BAD_NUMBERS)
        elif kind == "type-date":
            value = rng.choice(BAD_DATES)
        elif kind == "required":
            fname, value = rng.choice(REQUIRED_FIELDS), None
        elif kind == "enum":
            fname = rng.choice(sorted(ENUM_FIELDS))
            value = rng.choice(ENUM_FIELDS[fname])
        elif kind == "pattern":
            value = rng.choice(sorted(BAD_CODES))
        elif kind == "minimum":
            value = rng.choice(["-1.00", "-1500.50", "-0.01", "-99999"])
        elif kind == "max-length":
            value = "Ajuntament de " + "Sant Quirze de la Vall Llarga i Altres Llogarets " * 7  # > 300 characters
        elif kind == "primary-key":
            source = rng.randrange(2, row)
            while source in taken or source in plan.sources:
                source = rng.randrange(2, row)
            plan.sources.add(source)
            taken.add(source)
            value = source
        else:  # foreign-key
            if rng.random() < 0.5:
                fname, value = "lot_numero", str(50 + i)  # no procedure has that many lots
            else:
                fname, value = "procediment_id", f"inexistent-{i}"
        plan.changes[row] = (kind, fname, value)
        plan.expected.add((row, KINDS[kind][0] if kind in ("primary-key", "foreign-key") else fname, code))
    return plan


# ------------------------------------------------------------------------------ the generator
@dataclass
class Result:
    folder: Path
    rows: dict[str, int]
    planted: set[tuple[int, str, str]] = field(default_factory=set)
    seconds: float = 0.0


def _iso(v) -> str:
    return sample.cell(v)


def _write_small(path: Path, name: str, rows: list[dict]) -> None:
    cols = sample.fields(name)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        w.writerows([_iso(r.get(c)) for c in cols] for r in rows)


FORMALISED_STATES = ("FORMALITZADA", "PRORROGADA", "FINALITZADA")


def _estat(rng: random.Random, year: int) -> str:
    if year < 2014:
        return "FINALITZADA" if rng.random() < 0.9 else "RENUNCIADA"
    if year < 2020:
        return rng.choices(["FINALITZADA", "PRORROGADA", "FORMALITZADA", "RENUNCIADA"], [45, 40, 13, 2])[0]
    return rng.choices(["FORMALITZADA", "ADHERIDA", "PRORROGADA", "SOL·LICITADA", "RENUNCIADA"], [55, 25, 12, 6, 2])[0]


class _Procedures:
    """Synthetic aggregated procedures, generated one at a time."""

    def __init__(self, rng: random.Random, munis: dict[str, list[Municipality]], scale: float):
        self.rng, self.munis = rng, munis
        # Bodies that can adhere: every municipality's ajuntament and up to `suffixes` - 1
        # dependent bodies of each; more bodies and more adherents per procedure as it grows.
        total = sum(map(len, munis.values()))
        self.suffixes = max(2, min(MAX_SUFFIX + 1, math.ceil(150 * scale / total)))
        self.mean_bodies = 120 * max(scale, 1) ** 0.4
        self.count = 0

    def next(self) -> tuple[dict, list[dict], list[tuple[Municipality, int]]]:
        rng = self.rng
        self.count += 1
        year = rng.randint(2006, 2024)
        ambit = rng.choices(list(AMBITS), AMBIT_WEIGHTS)[0]
        model = "PER_ENS" if rng.random() < 0.25 else "PER_LOT"
        adj = dt.date(year, 1, 15) + dt.timedelta(days=rng.randint(0, 330))
        pid = f"agregada-{self.count:05d}-{year}"
        services = rng.sample(SERVICES, rng.choice([1, 2, 2, 3, 3, 4]))
        proc = {"procediment_id": pid, "titol": f"Contractació agregada dels serveis de telecomunicacions per als ens locals "
                f"{DEMARCACIO[ambit]} ({year}), expedient {self.count}", "ambit": ambit, "model_adjudicacio": model,
                "data_adjudicacio": adj, "durada_mesos": rng.choice([24, 36, 48]), "prorroga_max_mesos": rng.choice([12, 24]), "year": year}
        proc["prorroga_mesos"] = proc["prorroga_max_mesos"]  # extended to the maximum (PRORROGADA adhesions need an extension)
        lots = []
        for n, servei in enumerate(services, start=1):
            budget = int(rng.lognormvariate(math.log(3e7), 0.8))  # cents
            award = int(budget * rng.uniform(0.72, 0.98))
            lots.append({**proc, "lot_numero": n, "servei": servei, "pressupost_sense_iva": sample.money(budget),
                         "import_adjudicacio_sense_iva": sample.money(award),
                         "adjudicatari": rng.choice(sample.OPERATORS) if model == "PER_LOT" else None})
        pool = [m for p in AMBITS[ambit] for m in self.munis[p]]
        k = max(5, int(self.mean_bodies * rng.lognormvariate(0, 0.5)))
        # About 30% ajuntaments (suffix 000), the rest their dependent bodies (001...).
        towns = rng.sample(pool, min(len(pool), int(k * 0.3) + 1))
        dependents = len(pool) * (self.suffixes - 1)
        picks = rng.sample(range(dependents), min(dependents, k - len(towns)))
        # Slot j of a municipality is suffix 1 + 101 j mod 999: spread over 001..999, distinct.
        bodies = sorted([(m, 0) for m in towns] + [(pool[i % len(pool)], 1 + (101 * (i // len(pool))) % MAX_SUFFIX) for i in picks],
                        key=lambda b: body_code(*b))
        return proc, lots, bodies


def _adhesion_rows(rng: random.Random, proc: dict, lots: list[dict], bodies: list[tuple[Municipality, int]]):
    """The adhesion rows of one procedure, as lists of text cells in schema order."""
    adj, year, per_ens = proc["data_adjudicacio"], proc["year"], proc["model_adjudicacio"] == "PER_ENS"
    pid, rand, choice = proc["procediment_id"], rng.random, rng.choice
    p_lot = 0.8 if len(lots) > 1 else 1.0
    for m, suffix in bodies:
        chosen = [lot for lot in lots if rand() < p_lot] or lots[:1]
        requested = adj + dt.timedelta(days=rng.randint(-150, 400))
        day = requested.isoformat()
        nom, tipus = body_name(m, suffix)
        if rand() < 0.15:
            nom = nom.replace("'", "’")
        size = (m.pop if suffix == 0 else 800) * rng.lognormvariate(0, 0.6)
        first, s1 = choice(FIRST), choice(SURNAMES)
        contact = f"{first} {s1} {choice(SURNAMES)}" if rand() < 0.9 else ""
        email = f"{FIRST_SLUG[first]}.{SURNAME_SLUG[s1]}@{m.domain}" if rand() < 0.85 else ""
        estat, codi = _estat(rng, year), body_code(m, suffix)
        # The dates that make the declared state true (no random draw: the other columns stay as they were).
        formalised = (max(requested, adj) + dt.timedelta(days=30)).isoformat() if estat in FORMALISED_STATES else ""
        renounced = (requested + dt.timedelta(days=60)).isoformat() if estat == "RENUNCIADA" else ""
        for lot in chosen:
            cents = max(15000, int(180000 * LOT_WEIGHT[lot["servei"]] * (size / 1000) ** 0.75))
            yield [codi, nom, tipus, pid, str(lot["lot_numero"]), day, formalised, renounced, "", choice(sample.OPERATORS) if per_ens else "",
                   estat, f"{cents // 100}.{cents % 100:02d}", contact, email]


def generate(out: Path, scale: float = 1, seed: int = 1997, errors: int = 0, adhesions: int | None = None) -> Result:
    """Write membres.csv, contractes.csv, adhesions.csv, convenis.csv, convenis_parts.csv
    and manifest.json into `out`; `adhesions` (default: the sample's adhesion rows x scale) is
    the exact row count."""
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.xlsx"):
        stale.unlink()
    w = sample.bodies(random.Random(f"{seed}-bodies"))
    membres = sample.members(random.Random(f"{seed}-membres"), w)
    base_lots = sample.contractes()
    base_adh = sample.adhesions(random.Random(f"{seed}-adhesions"), w, membres, base_lots)
    conv, parts = sample.convenis(random.Random(f"{seed}-convenis"), w, base_lots, base_adh)
    # scale 1 is the sample: its adhesion rows (850 for seed 1997), counted, not assumed
    target = adhesions if adhesions is not None else max(1, round(len(base_adh) * scale))
    _write_small(out / "membres.csv", "membres", membres)
    plan = plant_errors(errors, seed, target) if errors else ErrorPlan()
    saved: dict[int, list] = {}

    rng = random.Random(f"{seed}-synth-{target}")
    procedures = _Procedures(rng, municipalities(), target / len(base_adh))
    lots_out = list(base_lots)
    per_year: dict[int, int] = {}
    for c in conv:
        per_year[c["data_signatura"].year] = per_year.get(c["data_signatura"].year, 0) + 1
    localret_party = sample.party(random.Random(f"{seed}-localret"), sample.LOCALRET, "SIGNANT")

    written = 0
    with (out / "adhesions.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        chunk: list[list] = []

        def emit(cells: list) -> bool:
            nonlocal written
            written += 1
            if plan.changes:
                cells = plan.apply(written + 1, cells, saved)
            chunk.append(["" if c is None else c for c in cells])
            if len(chunk) >= CHUNK:
                writer.writerows(chunk)
                chunk.clear()
            return written >= target

        done = target <= 0
        for r in base_adh:
            if done:
                break
            done = emit([_iso(r[c]) for c in COLUMNS])
        while not done:
            proc, lots, bodies = procedures.next()
            lots_out.extend(lots)
            for cells in _adhesion_rows(rng, proc, lots, bodies):
                if emit(cells):
                    done = True
                    break
            # One adhesion agreement per procedure, signed months before the award.
            sign = proc["data_adjudicacio"] - dt.timedelta(days=rng.randint(60, 240))
            per_year[sign.year] = n = per_year.get(sign.year, 0) + 1
            cid = f"C-{sign.year}-{n:03d}"
            start = sign + dt.timedelta(days=rng.choice([0, 1, 15, 30]))
            years = (proc["durada_mesos"] + proc["prorroga_max_mesos"]) // 12 + 1
            conv.append({"conveni_id": cid, "numero_registre": f"{sign.year}/8/{rng.randint(1, 9999):04d}" if rng.random() < 0.7 else None,
                         "tipus": "CONVENI", "titol": "Conveni d'adhesió a la c" + proc["titol"][1:], "objecte": sample.OBJECTES["agregada"],
                         "data_signatura": sign, "data_inici_vigencia": start,
                         "data_fi_vigencia": sample.add_months(start, 12 * years) - dt.timedelta(days=1), "prorrogable": False,
                         "conveni_origen_id": None, "import_total_previst": None})
            parts.append({**localret_party, "conveni_id": cid})
            # The ajuntaments of adhering bodies sign (a register municipality's suffix 000 is
            # always a known body, whatever rows were cut at the target or planted with errors).
            towns = sorted({m for m, _ in bodies}, key=lambda m: m.ine)
            for m in rng.sample(towns, min(len(towns), rng.randint(1, 3))):
                first = rng.choice(FIRST)
                office = ("Alcaldessa " if first in sample.FIRST_F else "Alcalde ") + m.of
                parts.append({"conveni_id": cid, "codi_ens": body_code(m, 0), "nif": None, "nom": "Ajuntament " + m.of, "rol": "ADHERIT",
                              "carrec_signant": office, "nom_signant": f"{first} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"})
        writer.writerows(chunk)

    _write_small(out / "contractes.csv", "contractes", lots_out)
    _write_small(out / "convenis.csv", "convenis", sorted(conv, key=lambda c: c["conveni_id"]))
    _write_small(out / "convenis_parts.csv", "convenis_parts", parts)
    generator = (f"python -m localret.synth --scale {scale:g} --seed {seed}" + (f" --adhesions {adhesions}" if adhesions is not None else "")
                 + (f" --errors {errors}" if errors else ""))
    manifest = {"illustrative": True, "synthetic": {"generator": generator, "scale": scale, "seed": seed, "adhesions": written},
                "title": {"ca": "Dades sintètiques il·lustratives", "es": "Datos sintéticos ilustrativos", "en": "Illustrative synthetic data"}}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    rows = {"membres": len(membres), "contractes": len(lots_out), "adhesions": written, "convenis": len(conv), "convenis_parts": len(parts)}
    return Result(out, rows, set(plan.expected), time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m localret.synth", description="Fonts sintètiques a escala / synthetic sources at scale")
    parser.add_argument("--scale", type=float, default=1, help="factor d'escala: 1 = la mostra (850 adhesions) / scale factor")
    parser.add_argument("--out", type=Path, required=True, help="carpeta de sortida / output folder")
    parser.add_argument("--seed", type=int, default=1997)
    parser.add_argument("--errors", type=int, default=0, help="errors a plantar a adhesions.csv / errors to plant")
    parser.add_argument("--adhesions", type=int, default=None, help="nombre exacte de files d'adhesions / exact adhesion rows")
    args = parser.parse_args(argv)
    result = generate(args.out, args.scale, args.seed, args.errors, args.adhesions)
    for name, n in result.rows.items():
        print(f"{name}: {n}")
    if result.planted:
        path = args.out / "planted-errors.json"
        path.write_text(json.dumps(sorted(result.planted), ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"errors planted: {len(result.planted)} -> {path}")
    print(f"{result.seconds:.1f} s")


if __name__ == "__main__":
    main()
