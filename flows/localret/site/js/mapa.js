// The map page's date control: recolours the municipalities, the comarques, the count and the
// tables for the day chosen (the URL carries it: ?data=YYYY-MM-DD), from the membership intervals
// the page ships in #mapa-dades; and names the municipality or comarca under the pointer or
// the keyboard focus. Without this script the page shows the reference date.
//
// A municipality is a member on a day when one of its intervals [data_alta, data_baixa) holds it:
// the same rule as the published resums tables (a member that leaves on the day is not counted).

const data = JSON.parse(document.getElementById("mapa-dades").textContent);
const words = data.words;
const lang = document.documentElement.lang;
const ISO = /^\d{4}-\d{2}-\d{2}$/;

const municipalities = [...document.querySelectorAll("path[data-codi-ine]")];
const comarques = [...document.querySelectorAll("path[data-comarca-codi]")];
const count = document.getElementById("mapa-recompte");
const info = document.getElementById("mapa-info");
const form = document.getElementById("mapa-form");
const input = document.getElementById("mapa-data");

// What each label says before its ": ", the part that does not change with the day.
const prefix = (el) => {
  const label = el.getAttribute("aria-label");
  return label.slice(0, label.lastIndexOf(": "));
};
const comarcaPrefix = (el) => {
  const label = el.getAttribute("aria-label");
  return label.slice(0, label.indexOf(": "));
};
const names = new Map(municipalities.map((el) => [el, prefix(el)]));
const comarcaNames = new Map(comarques.map((el) => [el, comarcaPrefix(el)]));
const municipalityRows = new Map([...document.querySelectorAll("tr[data-fila-municipi]")].map((tr) => [tr.dataset.filaMunicipi, tr]));
const comarcaRows = new Map([...document.querySelectorAll("tr[data-fila-comarca]")].map((tr) => [tr.dataset.filaComarca, tr]));

function number(n, decimals = 0) {
  const text = n.toFixed(decimals);
  const [whole, frac] = text.split(".");
  const sep = lang === "en" ? [",", "."] : [".", ","];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep[0]);
  return frac ? `${grouped}${sep[1]}${frac}` : grouped;
}

function percent(value) {
  return lang === "en" ? `${number(value, 1)}%` : `${number(value, 1)} %`;
}

function longDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const month = words.months[m - 1];
  return lang === "en" ? `${d} ${month} ${y}` : `${d} ${month} de ${y}`;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => values[key]);
}

function isMember(spans, day) {
  return (spans || []).some(([alta, baixa]) => alta <= day && (baixa === null || day < baixa));
}

function shareClass(members, total) {
  const pct = total ? (100 * members) / total : 0;
  const found = data.classes.findIndex((bound) => pct < bound);
  return found === -1 ? data.classes.length : found;
}

function setLabel(el, text) {
  el.setAttribute("aria-label", text);
  const title = el.querySelector("title");
  if (title) title.textContent = text;
}

function validDay(value) {
  if (!value || !ISO.test(value)) return null;
  const parsed = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) return null;
  return value <= data.date ? value : null;
}

function show(day) {
  const perComarca = new Map();
  let members = 0;
  for (const el of municipalities) {
    const code = el.dataset.codiIne;
    const member = isMember(data.municipis[code], day);
    el.dataset.membre = member ? "1" : "0";
    setLabel(el, `${names.get(el)}: ${member ? words.member : words.not_member}`);
    const row = municipalityRows.get(code);
    if (row) row.cells[2].textContent = member ? words.yes : words.no;
    const c = perComarca.get(el.dataset.comarca) || { members: 0, total: 0 };
    c.members += member ? 1 : 0;
    c.total += 1;
    perComarca.set(el.dataset.comarca, c);
    members += member ? 1 : 0;
  }
  for (const el of comarques) {
    const code = el.dataset.comarcaCodi;
    const c = perComarca.get(code) || { members: 0, total: 0 };
    const pct = c.total ? (100 * c.members) / c.total : 0;
    el.dataset.quota = String(shareClass(c.members, c.total));
    setLabel(el, `${comarcaNames.get(el)}: ${fill(words.share, { n: number(c.members), total: number(c.total), pct: percent(pct) })}`);
    const row = comarcaRows.get(code);
    if (row) {
      row.cells[2].textContent = number(c.members);
      row.cells[3].textContent = percent(pct);
    }
  }
  count.dataset.n = String(members);
  count.textContent = `${fill(words.count, { n: number(members), total: number(municipalities.length) })} `;
  const when = document.createElement("span");
  when.className = "muted";
  when.textContent = `(${longDate(day)})`;
  count.append(when);
}

function choose(value, push) {
  const day = validDay(value) || data.date;
  input.value = day;
  show(day);
  if (push) {
    const url = new URL(window.location.href);
    if (day === data.date) url.searchParams.delete("data");
    else url.searchParams.set("data", day);
    window.history.replaceState(null, "", url);
  }
}

// The shape under the pointer or the focus is outlined on top of its neighbours (a path's own
// stroke is half hidden by the paths drawn after it).
const SVG_NS = "http://www.w3.org/2000/svg";
const highlights = new Map();

function highlight(svg) {
  if (!highlights.has(svg)) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("class", "highlight");
    path.setAttribute("aria-hidden", "true");
    svg.append(path);
    highlights.set(svg, path);
  }
  return highlights.get(svg);
}

function name(event) {
  const el = event.target.closest("path[aria-label]");
  if (!el) return;
  info.textContent = el.getAttribute("aria-label");
  highlight(el.ownerSVGElement).setAttribute("d", el.getAttribute("d"));
}

function unname(event) {
  const svg = event.currentTarget;
  if (highlights.has(svg)) highlights.get(svg).removeAttribute("d");
}

if (form && data.date) {
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    choose(input.value, true);
  });
  input.addEventListener("change", () => choose(input.value, true));
  const asked = new URLSearchParams(window.location.search).get("data");
  if (asked) choose(asked, false);
}
for (const svg of document.querySelectorAll("svg.map")) {
  svg.addEventListener("mouseover", name);
  svg.addEventListener("focusin", name);
  svg.addEventListener("mouseleave", unname);
  svg.addEventListener("focusout", unname);
}
