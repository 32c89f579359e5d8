// Derives the site's map of Catalonia from es-atlas (IGN's municipal boundaries as TopoJSON).
//
//   node derive.mjs <node_modules> <out.json>   < register.json
//
// stdin: {"municipis": {"<codi_ine>": {"nom": ..., "comarca": "<comarca_codi>"}},
//         "comarques": {"<comarca_codi>": "<comarca_nom>"}}  (the register snapshot, which
// `python -m localret.site.geo` reads and passes here).
//
// Steps: keep Catalonia's municipalities (INE codes 08, 17, 25, 43); project every arc's
// vertices to UTM zone 31N (EPSG:25831's projection, the one the ICGC uses), fitted to the
// viewBox; simplify the arcs (topology-preserving: an arc shared by two municipalities is
// simplified once, so neighbours keep a common border); dissolve comarques with
// topojson-client's merge (shared borders disappear); write SVG path data rounded to a tenth
// of a unit. Same inputs, same bytes.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [nodeModules, outPath] = process.argv.slice(2);
if (!nodeModules || !outPath) {
  console.error("usage: node derive.mjs <node_modules> <out.json> < register.json");
  process.exit(2);
}
const require = createRequire(join(nodeModules, "noop.js"));
const { geoTransverseMercator, geoPath } = require("d3-geo");
const { feature, merge } = require("topojson-client");
const { presimplify, simplify } = require("topojson-simplify");

const WIDTH = 1000;          // viewBox width; the height follows Catalonia's shape
const MIN_AREA = 0.35;       // smallest triangle kept by Visvalingam, in square viewBox units
const DIGITS = 1;            // decimals of the path coordinates
const CATALONIA = /^(08|17|25|43)\d{3}$/;

const register = JSON.parse(readFileSync(0, "utf8"));
const atlasFile = join(nodeModules, "es-atlas", "es", "municipalities.json");
const atlasVersion = JSON.parse(readFileSync(join(nodeModules, "es-atlas", "package.json"), "utf8")).version;
const atlas = JSON.parse(readFileSync(atlasFile, "utf8"));

const geometries = atlas.objects.municipalities.geometries.filter((g) => CATALONIA.test(g.id));
const codes = geometries.map((g) => g.id).sort();
const known = Object.keys(register.municipis).sort();
if (codes.join() !== known.join()) {
  const missing = known.filter((c) => !codes.includes(c));
  const extra = codes.filter((c) => !known.includes(c));
  console.error(`es-atlas ${atlasVersion} and the register differ: not in es-atlas ${missing.join(" ") || "-"}; ` +
                `not in the register ${extra.join(" ") || "-"}`);
  process.exit(1);
}

// Only the arcs Catalonia uses, absolute lon/lat (the atlas is quantized and delta-encoded).
const [sx, sy] = atlas.transform.scale;
const [tx, ty] = atlas.transform.translate;
const used = new Map();  // old arc index -> new index
const arcs = [];
const remap = (i) => {
  const old = i < 0 ? ~i : i;
  if (!used.has(old)) {
    used.set(old, arcs.length);
    let x = 0, y = 0;
    arcs.push(atlas.arcs[old].map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; }));
  }
  return i < 0 ? ~used.get(old) : used.get(old);
};
const remapArcs = (a) => (typeof a === "number" ? remap(a) : a.map(remapArcs));
const municipalities = geometries.slice().sort((a, b) => (a.id < b.id ? -1 : 1))
  .map((g) => ({ type: g.type, id: g.id, arcs: remapArcs(g.arcs) }));
const topology = { type: "Topology", objects: { municipis: { type: "GeometryCollection", geometries: municipalities } }, arcs };

// Project the vertices (no resampling needed: the arcs are dense) and fit to the viewBox.
const projection = geoTransverseMercator().rotate([-3, 0]).fitWidth(WIDTH, feature(topology, topology.objects.municipis));
const height = Math.ceil(geoPath(projection).bounds(feature(topology, topology.objects.municipis))[1][1]);
topology.arcs = topology.arcs.map((arc) => arc.map((p) => projection(p)));

// Topology-preserving simplification in projected units.
const simplified = simplify(presimplify(topology), MIN_AREA);
const path = geoPath(null).digits(DIGITS);
const municipis = {};
for (const g of simplified.objects.municipis.geometries) {
  const m = register.municipis[g.id];
  municipis[g.id] = { nom: m.nom, comarca: m.comarca, d: path(feature(simplified, g)) };
}
const comarques = {};
for (const codi of Object.keys(register.comarques).sort()) {
  const members = simplified.objects.municipis.geometries.filter((g) => register.municipis[g.id].comarca === codi);
  if (members.length) comarques[codi] = { nom: register.comarques[codi], d: path(merge(simplified, members)) };
}
const outline = path(merge(simplified, simplified.objects.municipis.geometries));

const doc = {
  source: {
    geometry: `es-atlas ${atlasVersion} (npm), es/municipalities.json`,
    geometry_licence: "MIT",
    data: "© Instituto Geográfico Nacional (IGN), Centro Nacional de Información Geográfica",
    data_licence: "CC BY 4.0",
    register: "datasets/register/municipis.csv (Idescat)",
    projection: "Transverse Mercator, central meridian 3°E (UTM zone 31N), fitted to the viewBox; y grows downwards",
    simplification: `Visvalingam (topojson-simplify), minimum triangle area ${MIN_AREA} square units, topology preserved`,
    derived_by: "python -m localret.site.geo",
  },
  viewBox: `0 0 ${WIDTH} ${height}`,
  outline,
  comarques,
  municipis,
};
// Written by hand so that the keys keep their order (JavaScript would put the integer-like codes
// such as "17001" before "08001") and each shape is a line of its own (readable diffs).
const block = (entries) => "{\n" + entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",\n") + "\n}";
const text = "{\n" + [
  `"source":${block(Object.entries(doc.source))}`,
  `"viewBox":${JSON.stringify(doc.viewBox)}`,
  `"outline":${JSON.stringify(doc.outline)}`,
  `"comarques":${block(Object.keys(comarques).sort().map((k) => [k, comarques[k]]))}`,
  `"municipis":${block(Object.keys(municipis).sort().map((k) => [k, municipis[k]]))}`,
].join(",\n") + "\n}\n";
JSON.parse(text);  // still JSON
writeFileSync(outPath, text);
