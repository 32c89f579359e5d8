// The explorer (explora/index.html?taula=<dataset>/<table>): facets, filters, sort, text search,
// pages and CSV export over a published Parquet file, read with hyparquet by HTTP range requests.
//
// A small table (up to SMALL rows) is read whole once and every view is computed in memory. A
// large one is never downloaded: its row count comes from the footer, the first page from the
// first row group, a facet reads its one column, a filter reads its columns and then only the
// row groups that hold the rows of the page shown.
//
// The whole state is in the URL (taula, <field>=<value>, data, q, _sort, _desc, _page, _facet),
// kept with history.replaceState, so that a reload or a shared address shows the same view.

import { asyncBufferFromUrl, cachedAsyncBuffer, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";

const SMALL = 200000;
const PAGE_SIZE = 50;
const EXPORT_MAX = 200000;
const FACET_SHOW = 50;
const RESERVED = new Set(["taula", "data", "q"]);

const config = JSON.parse(document.getElementById("explora-words").textContent);
const W = config.words;
const LOCALE = { ca: "ca-ES", es: "es-ES", en: "en-GB" }[config.lang] || "ca-ES";
const numberFormat = new Intl.NumberFormat(LOCALE);
const collator = new Intl.Collator(LOCALE, { numeric: true });

function tr(key, vars = {}) {
  return W[key].replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "hidden") node.hidden = true;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// ---------- values ----------

const DAY_MS = 86400000;
const dayCache = new Map();
function isoDay(days) {
  let text = dayCache.get(days);
  if (text === undefined) {
    text = new Date(Number(days) * DAY_MS).toISOString().slice(0, 10);
    dayCache.set(days, text);
  }
  return text;
}
// Dates as the CSV writes them (YYYY-MM-DD), decoded once per distinct day.
const parsers = {
  dateFromDays: isoDay,
  timestampFromMilliseconds: (v) => new Date(Number(v)).toISOString(),
  timestampFromMicroseconds: (v) => new Date(Number(BigInt(v) / 1000n)).toISOString(),
  timestampFromNanoseconds: (v) => new Date(Number(BigInt(v) / 1000000n)).toISOString(),
};

function norm(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return value;
}

function text(value) {
  return value === null || value === undefined ? "" : String(value);
}

const foldCache = new Map();
function fold(value) {
  const raw = text(value);
  let folded = foldCache.get(raw);
  if (folded === undefined) {
    folded = raw.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    if (foldCache.size < 200000) foldCache.set(raw, folded);
  }
  return folded;
}

function footerType(element) {
  const converted = element.converted_type;
  const logical = element.logical_type && element.logical_type.type;
  if (converted === "DATE" || logical === "DATE") return "date";
  if ((converted && converted.startsWith("TIMESTAMP")) || logical === "TIMESTAMP" || element.type === "INT96") return "datetime";
  if (element.type === "BOOLEAN") return "boolean";
  if (converted === "DECIMAL" || logical === "DECIMAL") return "number";
  if (["INT32", "INT64", "FLOAT", "DOUBLE"].includes(element.type)) return "number";
  return "string";
}

// ---------- the table ----------

// One request reads the file's end (the footer, and the whole of a small file) and its size
// from Content-Range: no HEAD request (hyparquet's own, whose unread response Chromium reports
// as aborted). Later reads are range requests, except from a server that ignores ranges, whose
// 200 answer is the whole file and is used as it is.
const TAIL = 1 << 19;
async function openUrl(url) {
  const response = await fetch(url, { headers: { Range: `bytes=-${TAIL}` } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const body = await response.arrayBuffer();
  const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(response.headers.get("Content-Range") || "");
  if (response.status !== 206 || !range || Number(range[1]) === 0) {
    return { byteLength: body.byteLength, slice: (start, end) => body.slice(start, end) };
  }
  const tailStart = Number(range[1]);
  const byteLength = Number(range[3]);
  const remote = await asyncBufferFromUrl({ url, byteLength });
  return {
    byteLength,
    slice(start, end = byteLength) {
      return start >= tailStart ? body.slice(start - tailStart, end - tailStart) : remote.slice(start, end);
    },
  };
}

class Table {
  constructor(info) {
    this.info = info;
    this.columns = new Map();
    this.pending = new Map();
  }

  async open() {
    const url = new URL(this.info.parquet, location.href).href;
    this.file = cachedAsyncBuffer(await openUrl(url));
    this.metadata = await parquetMetadataAsync(this.file);
    this.numRows = Number(this.metadata.num_rows);
    this.groups = [];
    let start = 0;
    for (const group of this.metadata.row_groups) {
      const n = Number(group.num_rows);
      this.groups.push([start, start + n]);
      start += n;
    }
    const declared = new Map((this.info.fields || []).map((f) => [f.name, f]));
    this.fields = parquetSchema(this.metadata).children.map((child) => {
      const name = child.element.name;
      const d = declared.get(name) || {};
      return { name, title: d.title || name, type: footerType(child.element), enum: d.enum || null };
    });
    this.names = this.fields.map((f) => f.name);
    this.small = this.numRows <= SMALL;
    if (this.small) await this.load(this.names);
  }

  field(name) {
    return this.fields.find((f) => f.name === name);
  }

  // Reads whole columns (every row group, only those columns) into memory, once.
  async load(names) {
    const wanted = [...new Set(names)].filter((n) => this.names.includes(n));
    const missing = wanted.filter((n) => !this.columns.has(n) && !this.pending.has(n));
    if (missing.length) {
      const reading = this.read(missing);
      for (const name of missing) this.pending.set(name, reading);
      reading.finally(() => { for (const name of missing) this.pending.delete(name); }).catch(() => {});
    }
    // a column another view is already reading is awaited, not read twice
    await Promise.all(wanted.filter((n) => !this.columns.has(n)).map((n) => this.pending.get(n)));
  }

  async read(missing) {
    const arrays = {};
    for (const name of missing) arrays[name] = new Array(this.numRows).fill(null);
    await parquetRead({
      file: this.file, metadata: this.metadata, columns: missing, compressors, parsers,
      onChunk: ({ columnName, columnData, rowStart }) => {
        const target = arrays[columnName];
        if (!target) return;
        const n = Math.min(columnData.length, this.numRows - rowStart);
        for (let i = 0; i < n; i++) target[rowStart + i] = norm(columnData[i]);
      },
    });
    for (const name of missing) this.columns.set(name, arrays[name]);
  }

  allLoaded() {
    return this.names.every((n) => this.columns.has(n));
  }

  // The rows at these indices, in this order: from memory, or by reading only the row groups
  // (and within them the row span) that hold them.
  async rows(indices) {
    if (this.allLoaded()) {
      const cols = this.names.map((n) => this.columns.get(n));
      return Array.from(indices, (i) => cols.map((c) => c[i]));
    }
    const byGroup = new Map();
    for (const i of indices) {
      const g = this.groupOf(i);
      const span = byGroup.get(g);
      if (span) { span[0] = Math.min(span[0], i); span[1] = Math.max(span[1], i); }
      else byGroup.set(g, [i, i]);
    }
    const found = new Map();
    for (const [lo, hi] of byGroup.values()) {
      await parquetRead({
        file: this.file, metadata: this.metadata, compressors, parsers, rowStart: lo, rowEnd: hi + 1,
        onComplete: (rows) => { rows.forEach((row, k) => found.set(lo + k, row.map(norm))); },
      });
    }
    return Array.from(indices, (i) => found.get(i));
  }

  groupOf(index) {
    let lo = 0;
    let hi = this.groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (index >= this.groups[mid][1]) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// ---------- state and URL ----------

function readState(fieldNames) {
  const params = new URLSearchParams(location.search);
  const state = { taula: params.get("taula") || "", filters: {}, q: params.get("q") || "", date: params.get("data") || "",
                  sort: params.get("_sort") || "", desc: params.get("_desc") === "1",
                  page: Math.max(1, parseInt(params.get("_page") || "1", 10) || 1), facets: params.getAll("_facet") };
  if (fieldNames) {
    for (const [key, value] of params) {
      if (!RESERVED.has(key) && !key.startsWith("_") && fieldNames.includes(key) && value !== "") state.filters[key] = value;
    }
    if (!fieldNames.includes(state.sort)) state.sort = "";
    state.facets = state.facets.filter((f) => fieldNames.includes(f));
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(state.date)) state.date = "";
  return state;
}

function stateQuery(state, fieldNames) {
  const parts = [["taula", state.taula]];
  for (const name of fieldNames) if (state.filters[name] !== undefined) parts.push([name, state.filters[name]]);
  if (state.date) parts.push(["data", state.date]);
  if (state.q) parts.push(["q", state.q]);
  if (state.sort) parts.push(["_sort", state.sort]);
  if (state.sort && state.desc) parts.push(["_desc", "1"]);
  if (state.page > 1) parts.push(["_page", String(state.page)]);
  for (const f of state.facets) parts.push(["_facet", f]);
  // "/" stays as it is in taula=<dataset>/<table>: the documented address form.
  return "?" + parts.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%2F/g, "/")}`).join("&");
}

// ---------- computing a view ----------

async function matchingRows(table, state) {
  const period = table.info.period;
  const useDate = Boolean(state.date && period && table.names.includes(period.start));
  const stringFields = table.fields.filter((f) => f.type === "string").map((f) => f.name);
  const words = fold(state.q).split(/\s+/).filter(Boolean);
  const needed = Object.keys(state.filters);
  if (useDate) needed.push(period.start, ...(table.names.includes(period.end) ? [period.end] : []));
  if (words.length) needed.push(...stringFields);
  if (state.sort) needed.push(state.sort);
  await table.load(needed);

  const tests = [];
  for (const [name, wanted] of Object.entries(state.filters)) {
    const col = table.columns.get(name);
    tests.push((i) => col[i] !== null && String(col[i]) === wanted);
  }
  if (useDate) {
    const starts = table.columns.get(period.start);
    const ends = table.columns.get(period.end) || null;
    const day = state.date;
    // The pipeline's boundary: a member on D joined on or before D and had not left by D
    // (one who leaves on D is no longer counted).
    tests.push((i) => starts[i] !== null && String(starts[i]) <= day && (!ends || ends[i] === null || String(ends[i]) > day));
  }
  if (words.length) {
    const cols = stringFields.map((n) => table.columns.get(n));
    tests.push((i) => words.every((w) => cols.some((c) => c[i] !== null && fold(c[i]).includes(w))));
  }
  let matched = null;
  if (tests.length) {
    const out = new Int32Array(table.numRows);
    let k = 0;
    for (let i = 0; i < table.numRows; i++) {
      let ok = true;
      for (let t = 0; ok && t < tests.length; t++) ok = tests[t](i);
      if (ok) out[k++] = i;
    }
    matched = out.subarray(0, k);
  }
  return matched;
}

function comparer(table, name, desc) {
  const col = table.columns.get(name);
  const numeric = ["number", "boolean"].includes(table.field(name).type);
  const sign = desc ? -1 : 1;
  return (a, b) => {
    const x = col[a];
    const y = col[b];
    if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1; // empty last, either way
    let c;
    if (numeric) c = x < y ? -1 : x > y ? 1 : 0;
    else c = table.small ? collator.compare(String(x), String(y)) : (String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0);
    return c !== 0 ? sign * c : a - b;
  };
}

// The indices of the rows of one page, in the order asked for. A large match is not sorted
// whole: one pass keeps the first `need` rows.
function pageIndices(table, state, matched) {
  const count = matched ? matched.length : table.numRows;
  const start = (state.page - 1) * PAGE_SIZE;
  const end = Math.min(count, start + PAGE_SIZE);
  if (start >= end) return [];
  const at = (k) => (matched ? matched[k] : k);
  if (!state.sort) return Array.from({ length: end - start }, (_, k) => at(start + k));
  const cmp = comparer(table, state.sort, state.desc);
  if (count <= SMALL) {
    const all = matched ? Array.from(matched) : Array.from({ length: count }, (_, k) => k);
    all.sort(cmp);
    return all.slice(start, end);
  }
  const need = end;
  const best = [];
  for (let k = 0; k < count; k++) {
    const i = at(k);
    if (best.length === need && cmp(i, best[need - 1]) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(best[mid], i) <= 0) lo = mid + 1; else hi = mid; }
    best.splice(lo, 0, i);
    if (best.length > need) best.pop();
  }
  return best.slice(start, end);
}

function sortedAll(table, state, matched) {
  const all = matched ? Array.from(matched) : Array.from({ length: table.numRows }, (_, k) => k);
  if (state.sort) all.sort(comparer(table, state.sort, state.desc));
  return all;
}

function facetCounts(table, name, matched) {
  const col = table.columns.get(name);
  const counts = new Map();
  const n = matched ? matched.length : table.numRows;
  for (let k = 0; k < n; k++) {
    const v = col[matched ? matched[k] : k];
    const key = v === null ? null : String(v);
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || collator.compare(text(a[0]), text(b[0])));
}

function csvCell(value) {
  const s = text(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// ---------- the page ----------

class Explorer {
  constructor(root, table, state) {
    this.root = root;
    this.table = table;
    this.state = state;
    this.generation = 0;
    this.facetCache = new Map();
    this.build();
  }

  build() {
    const t = this.table;
    const info = t.info;
    const title = info.title[config.lang] || info.title.ca;
    this.root.replaceChildren();
    this.root.append(
      el("p", { class: "breadcrumb" }, el("a", { href: config.page, text: tr("back") }), " · ",
         el("a", { href: `../${info.dataset}/${config.page}`, text: tr("dataset_page") })),
      el("h2", { id: "x-table-title", text: title }),
      el("p", { class: "muted" }, el("code", { text: info.id }), ` · ${info.version || ""} · `,
         el("a", { href: info.parquet, text: "Parquet" }), " · ", el("a", { href: info.csv, text: "CSV" })),
    );
    if (!t.small) this.root.append(el("p", { class: "explora-note", text: tr("big_note", { n: numberFormat.format(t.numRows) }) }));

    const form = el("form", { id: "x-form", class: "filter explora-form", role: "search", "aria-labelledby": "x-table-title" });
    this.form = form;
    const q = el("input", { type: "search", id: "x-q", name: "q", value: this.state.q, "aria-describedby": "x-q-hint", autocomplete: "off" });
    form.append(el("div", { class: "field" }, el("label", { for: "x-q", text: tr("search") }), q,
                   el("span", { id: "x-q-hint", class: "small muted", text: tr("search_hint") })));
    this.qInput = q;
    const period = info.period;
    if (period && t.names.includes(period.start)) {
      const date = el("input", { type: "date", id: "x-data", name: "data", value: this.state.date, "aria-describedby": "x-data-hint" });
      form.append(el("div", { class: "field" }, el("label", { for: "x-data", text: tr("date") }), date,
                     el("span", { id: "x-data-hint", class: "small muted", text: tr("date_hint", { start: period.start, end: period.end }) })));
      this.dateInput = date;
      date.addEventListener("change", () => this.setState({ date: /^\d{4}-\d{2}-\d{2}$/.test(date.value) ? date.value : "" }));
    }
    const filters = el("fieldset", { class: "explora-filters" }, el("legend", { text: tr("filters") }));
    this.filterInputs = new Map();
    for (const f of t.fields) {
      const id = `x-f-${f.name}`;
      const listId = `x-l-${f.name}`;
      const input = el("input", { type: "text", id, name: f.name, value: this.state.filters[f.name] || "", list: listId,
                                  placeholder: tr("filter_hint"), autocomplete: "off", "data-field": f.name });
      const list = el("datalist", { id: listId });
      for (const v of f.enum || []) list.append(el("option", { value: v }));
      filters.append(el("div", { class: "field" }, el("label", { for: id }, `${f.title} `, el("code", { text: f.name })), input, list));
      this.filterInputs.set(f.name, input);
    }
    form.append(filters);
    form.append(el("div", { class: "explora-actions" },
                   el("button", { type: "submit", class: "button", id: "x-apply", text: tr("apply") }),
                   el("button", { type: "button", class: "button button-secondary", id: "x-clear", text: tr("clear") })));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.applyForm(); });
    form.addEventListener("change", (event) => { if (event.target.dataset.field) this.applyForm(); });
    let timer = null;
    q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => this.applyForm(), 250); });
    form.querySelector("#x-clear").addEventListener("click", () => {
      for (const input of this.filterInputs.values()) input.value = "";
      q.value = "";
      if (this.dateInput) this.dateInput.value = "";
      this.setState({ filters: {}, q: "", date: "" });
    });
    this.root.append(form);

    this.count = el("output", { id: "x-count", class: "filter-count", "data-testid": "row-count", "aria-live": "polite", for: "x-form" });
    this.exportButton = el("button", { type: "button", class: "button", id: "x-export", text: tr("export") });
    this.exportButton.addEventListener("click", () => this.exportCsv());
    this.exportNote = el("span", { class: "small", id: "x-export-note", role: "status" });
    this.root.append(el("div", { class: "explora-summary" }, this.count, this.exportButton, this.exportNote));
    this.status = el("p", { class: "explora-status", id: "x-status", role: "status" });
    this.alert = el("p", { class: "explora-error", id: "x-error", role: "alert" });
    this.root.append(this.status, this.alert);

    this.facetsBox = el("section", { class: "explora-facets", "aria-labelledby": "x-facets-title" },
                        el("h3", { id: "x-facets-title", text: tr("facets") }));
    this.facetList = el("div", { class: "facet-list" });
    this.facetsBox.append(this.facetList);
    this.root.append(this.facetsBox);
    this.tableBox = el("div", { class: "table-wrap", id: "x-table-wrap" });
    this.pager = el("nav", { class: "explora-pager", "aria-label": tr("pages") });
    this.root.append(this.tableBox, this.pager);
  }

  applyForm() {
    const filters = {};
    for (const [name, input] of this.filterInputs) if (input.value.trim() !== "") filters[name] = input.value.trim();
    const date = this.dateInput && /^\d{4}-\d{2}-\d{2}$/.test(this.dateInput.value) ? this.dateInput.value : "";
    this.setState({ filters, q: this.qInput.value.trim(), date });
  }

  setState(change, keepPage = false) {
    Object.assign(this.state, change);
    if (!keepPage) this.state.page = 1;
    this.syncForm();
    this.render();
  }

  syncForm() {
    for (const [name, input] of this.filterInputs) {
      const v = this.state.filters[name] || "";
      if (input.value !== v) input.value = v;
    }
    if (this.qInput.value.trim() !== this.state.q) this.qInput.value = this.state.q;
    if (this.dateInput && this.dateInput.value !== this.state.date) this.dateInput.value = this.state.date;
  }

  facetFields() {
    const t = this.table;
    const shown = [...new Set([...(t.info.facets || []), ...this.state.facets, ...Object.keys(this.state.filters)])]
      .filter((n) => t.names.includes(n));
    let computed;
    if (t.small) computed = new Set(shown);
    else {
      computed = new Set([...this.state.facets, ...Object.keys(this.state.filters)]);
      if (!computed.size && shown.length) computed.add(shown[0]);
    }
    return shown.map((name) => ({ name, compute: computed.has(name) }));
  }

  async render() {
    const generation = ++this.generation;
    const t = this.table;
    this.root.dataset.state = "loading";
    this.status.textContent = tr("working");
    this.alert.textContent = "";
    history.replaceState(null, "", stateQuery(this.state, t.names));
    try {
      const matched = await matchingRows(t, this.state);
      if (generation !== this.generation) return;
      const count = matched ? matched.length : t.numRows;
      const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
      if (this.state.page > pages) {
        this.state.page = pages;
        history.replaceState(null, "", stateQuery(this.state, t.names));
      }
      this.matched = matched;
      this.count.dataset.value = String(count);
      this.count.textContent = count === t.numRows ? tr("rows", { n: numberFormat.format(count) })
        : tr("rows_of", { n: numberFormat.format(count), total: numberFormat.format(t.numRows) });
      const indices = pageIndices(t, this.state, matched);
      const rows = await t.rows(indices);
      if (generation !== this.generation) return;
      const focusKey = this.focusKey();
      this.renderTable(rows, count, pages);
      this.fresh = new Set();
      this.renderFacets();
      this.restoreFocus(focusKey);
      this.root.dataset.state = "ready";
      performance.mark("explora:ready"); // for the benchmark: time from navigation to a rendered view
      this.status.textContent = "";
      await this.computeFacets(generation, matched);
    } catch (error) {
      if (generation !== this.generation) return;
      this.root.dataset.state = "error";
      this.status.textContent = "";
      this.alert.textContent = tr("read_error", { error: error && error.message ? error.message : String(error) });
    }
  }

  async computeFacets(generation, matched) {
    const fields = this.facetFields().filter((f) => f.compute);
    if (!fields.length) { this.root.dataset.facets = "ready"; return; }
    this.root.dataset.facets = "loading";
    for (const f of fields) {
      await this.table.load([f.name]);
      if (generation !== this.generation) return;
      this.facetCache.set(f.name, facetCounts(this.table, f.name, matched));
      this.fresh.add(f.name);
      const focusKey = this.focusKey();
      this.renderFacets();
      this.restoreFocus(focusKey);
    }
    this.root.dataset.facets = "ready";
    performance.mark("explora:facets");
  }

  focusKey() {
    const active = document.activeElement;
    return active && this.root.contains(active) && active.dataset ? active.dataset.key || null : null;
  }

  restoreFocus(key) {
    if (!key) return;
    const target = this.root.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (target && document.activeElement !== target) target.focus();
  }

  renderFacets() {
    const fields = this.facetFields();
    this.facetList.replaceChildren();
    for (const f of fields) {
      const field = this.table.field(f.name);
      const headingId = `x-facet-${f.name}`;
      const box = el("section", { class: "facet", "data-testid": `facet-${f.name}`, "data-field": f.name, "aria-labelledby": headingId },
                     el("h4", { id: headingId }, `${field.title} `, el("code", { text: f.name })));
      const counts = this.fresh && this.fresh.has(f.name) ? this.facetCache.get(f.name) : null;
      if (counts) {
        box.dataset.state = "ready";
        const list = el("ul", { class: "facet-values" });
        const active = this.state.filters[f.name];
        for (const [value, n] of counts.slice(0, FACET_SHOW)) {
          const codeLabel = value !== null && config.codes && config.codes[f.name] && config.codes[f.name][value];
          const label = value === null ? tr("empty") : codeLabel ? `${codeLabel} (${value})` : value;
          if (value === null) {
            list.append(el("li", { "data-value": "", "data-count": n }, el("span", { text: label }), " ", el("span", { class: "facet-n", text: numberFormat.format(n) })));
            continue;
          }
          const pressed = active === value;
          const button = el("button", { type: "button", class: "facet-button", "aria-pressed": pressed ? "true" : "false",
                                        "data-key": `facet:${f.name}:${value}`, "data-value": value, "data-count": n,
                                        title: tr(pressed ? "facet_remove" : "facet_pick", { field: f.name, value }) },
                            el("span", { text: label }), " ", el("span", { class: "facet-n", text: numberFormat.format(n) }));
          button.addEventListener("click", () => {
            const filters = { ...this.state.filters };
            if (pressed) delete filters[f.name]; else filters[f.name] = value;
            this.setState({ filters });
          });
          list.append(el("li", {}, button));
        }
        box.append(list);
        if (counts.length > FACET_SHOW) box.append(el("p", { class: "small muted", text: tr("facet_more", { n: counts.length - FACET_SHOW }) }));
      } else if (f.compute) {
        box.dataset.state = "loading";
        box.append(el("p", { class: "small muted", text: tr("working") }));
      } else {
        box.dataset.state = "idle";
        const button = el("button", { type: "button", class: "button button-secondary", "data-key": `facet-load:${f.name}`,
                                      text: tr("facet_count", { field: f.name }) });
        button.addEventListener("click", () => {
          if (!this.state.facets.includes(f.name)) this.state.facets.push(f.name);
          this.setState({}, true);
        });
        box.append(button);
      }
      this.facetList.append(box);
    }
    this.facetsBox.hidden = !fields.length;
  }

  renderTable(rows, count, pages) {
    const t = this.table;
    const info = t.info;
    const title = info.title[config.lang] || info.title.ca;
    this.tableBox.replaceChildren();
    if (!count) {
      this.tableBox.append(el("p", { class: "explora-empty", text: tr("no_rows") }));
    } else {
      const first = (this.state.page - 1) * PAGE_SIZE + 1;
      const table = el("table", { id: "x-rows", class: "explora-rows" },
                       el("caption", { text: tr("caption", { title, from: numberFormat.format(first), to: numberFormat.format(first + rows.length - 1) }) }));
      const head = el("tr");
      for (const f of t.fields) {
        const sorted = this.state.sort === f.name;
        const th = el("th", { scope: "col", title: f.title, "aria-sort": sorted ? (this.state.desc ? "descending" : "ascending") : null,
                              class: f.type === "number" ? "num" : null });
        const button = el("button", { type: "button", class: "sort-button", "data-key": `sort:${f.name}`, "data-sort": f.name,
                                      "aria-label": `${tr("sort_by", { field: f.name })}${sorted ? (this.state.desc ? " ↓" : " ↑") : ""}` },
                          f.name, sorted ? (this.state.desc ? " ↓" : " ↑") : "");
        button.addEventListener("click", () => {
          const desc = this.state.sort === f.name ? !this.state.desc : false;
          this.setState({ sort: f.name, desc });
        });
        th.append(button);
        head.append(th);
      }
      table.append(el("thead", {}, head));
      const body = el("tbody");
      for (const row of rows) {
        const tr_ = el("tr");
        row.forEach((value, k) => tr_.append(el("td", { class: t.fields[k].type === "number" ? "num" : null, text: text(value) })));
        body.append(tr_);
      }
      table.append(body);
      this.tableBox.append(table);
    }
    this.pager.replaceChildren();
    const prev = el("button", { type: "button", class: "button button-secondary", "data-key": "page:prev", id: "x-prev",
                                disabled: this.state.page <= 1, text: tr("previous") });
    const next = el("button", { type: "button", class: "button button-secondary", "data-key": "page:next", id: "x-next",
                                disabled: this.state.page >= pages, text: tr("next") });
    prev.addEventListener("click", () => this.setState({ page: this.state.page - 1 }, true));
    next.addEventListener("click", () => this.setState({ page: this.state.page + 1 }, true));
    this.pager.append(prev, " ", el("span", { id: "x-page", "data-page": this.state.page, "data-pages": pages,
                                               text: tr("page", { page: numberFormat.format(this.state.page), pages: numberFormat.format(pages) }) }), " ", next);
  }

  async exportCsv() {
    const t = this.table;
    const count = this.matched ? this.matched.length : t.numRows;
    this.exportNote.textContent = "";
    if (count > EXPORT_MAX) {
      this.exportNote.textContent = tr("export_too_many", { n: numberFormat.format(EXPORT_MAX) });
      return;
    }
    this.exportButton.disabled = true;
    try {
      if (this.state.sort) await t.load([this.state.sort]);
      const rows = await t.rows(sortedAll(t, this.state, this.matched));
      const lines = [t.names.map(csvCell).join(",")];
      for (const row of rows) lines.push(row.map(csvCell).join(","));
      const blob = new Blob([lines.join("\n") + "\n"], { type: "text/csv;charset=utf-8" });
      const link = el("a", { href: URL.createObjectURL(blob), download: `${t.info.table}-filtrat.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      this.alert.textContent = tr("read_error", { error: error && error.message ? error.message : String(error) });
    } finally {
      this.exportButton.disabled = false;
    }
  }
}

async function main() {
  const root = document.getElementById("explorador");
  const first = readState(null);
  if (!first.taula) return;
  document.getElementById("explora-taules").hidden = true;
  root.dataset.state = "loading";
  root.append(el("p", { role: "status", text: tr("loading") }));
  try {
    const embedded = document.getElementById("explora-taules-json");
    const catalogue = embedded ? JSON.parse(embedded.textContent) : await (await fetch(root.dataset.taules)).json();
    const info = catalogue.tables.find((x) => x.id === first.taula);
    if (!info) {
      document.getElementById("explora-taules").hidden = false;
      root.replaceChildren(el("p", { class: "explora-error", role: "alert", text: tr("unknown_table", { name: first.taula }) }));
      root.dataset.state = "error";
      return;
    }
    const table = new Table(info);
    await table.open();
    const state = readState(table.names);
    if (!(info.period && table.names.includes(info.period.start))) state.date = ""; // no validity period: no date
    const explorer = new Explorer(root, table, state);
    window.localretExplorer = explorer; // for the tests and the benchmark: the live state
    await explorer.render();
  } catch (error) {
    root.replaceChildren(el("p", { class: "explora-error", role: "alert",
                                   text: tr("read_error", { error: error && error.message ? error.message : String(error) }) }));
    root.dataset.state = "error";
  }
}

main();
