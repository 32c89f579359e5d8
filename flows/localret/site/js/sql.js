/* The SQL page (explora/sql*.html): DuckDB-WASM in a worker, over the latest Parquet file of
   every published table, read by HTTP range requests. Only this page loads the engine.

   The page writes everything this module needs into <script id="sql-config">: where the
   engine's files are (duckdb/, beside the page), every table's view names and file, the example
   queries and the words of the page's language. `?q=<SQL>` runs on load; the result goes into
   #sql-result (data-testid="sql-result"), whose data-state (loading, running, done, error) and
   data-rows (rows of the whole result, not only those shown) say what happened. */
import * as duckdb from "@duckdb/duckdb-wasm";

const config = JSON.parse(document.getElementById("sql-config").textContent);
const words = config.words;
const form = document.getElementById("sql-form");
const input = document.getElementById("sql-query");
const runButton = document.getElementById("sql-run");
const downloadButton = document.getElementById("sql-download");
const status = document.getElementById("sql-status");
const result = document.getElementById("sql-result");

let connection = null; // a promise of the engine's connection, started once
let busy = Promise.resolve();
let last = null; // {columns, rows} of the last result, for the CSV

function say(text, state) {
  status.textContent = text;
  if (state) {
    result.dataset.state = state;
  }
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
}

function number(n) {
  return new Intl.NumberFormat(document.documentElement.lang).format(n);
}

function quoteIdent(name) {
  return '"' + name.replace(/"/g, '""') + '"';
}

function quoteString(text) {
  return "'" + text.replace(/'/g, "''") + "'";
}

async function start() {
  const features = await duckdb.getPlatformFeatures();
  if (!features.wasmExceptions) {
    throw new Error(words.no_wasm_eh);
  }
  const base = new URL(".", document.baseURI);
  const worker = new Worker(new URL(config.worker, base).href);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(new URL(config.wasm, base).href);
  // Full reads only where a host ignores ranges; where it answers HEAD+Range with 206 (any
  // static host that serves ranges), DuckDB reads the footer and the column chunks it needs.
  await db.open({ query: { castBigIntToDouble: false, castDecimalToDouble: false }, filesystem: { allowFullHTTPReads: true } });
  const conn = await db.connect();
  // Never fetch an extension from DuckDB's site: everything the page needs is built in.
  for (const setting of ["SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false"]) {
    try {
      await conn.query(setting);
    } catch (e) {
      /* an older engine without the setting does not autoload either */
    }
  }
  for (const table of config.tables) {
    const url = new URL(table.url, base).href;
    await db.registerFileURL(table.file, url, duckdb.DuckDBDataProtocol.HTTP, false);
    const reader = table.format === "parquet"
      ? `read_parquet(${quoteString(table.file)})`
      : `read_csv_auto(${quoteString(table.file)}, header = true)`;
    for (const name of table.views) {
      await conn.query(`CREATE VIEW ${quoteIdent(name)} AS SELECT * FROM ${reader}`);
    }
  }
  return conn;
}

function engine() {
  if (!connection) {
    say(words.loading, "loading");
    connection = start();
    connection.catch(() => {
      connection = null; // the next query tries again
    });
  }
  return connection;
}

// ---------- values as text (the table and the CSV show the same text) ----------

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

function isoDate(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function isoTimestamp(ms) {
  const d = new Date(ms);
  const frac = d.getUTCMilliseconds() ? "." + pad(d.getUTCMilliseconds(), 3) : "";
  return `${isoDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}`;
}

function jsonSafe(value) {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

// A decimal exactly as DuckDB prints it: Arrow gives its unscaled integer as 32-bit words,
// least significant first, in two's complement.
function decimalText(words, scale) {
  let big = 0n;
  for (let i = words.length - 1; i >= 0; i--) {
    big = (big << 32n) | BigInt(words[i] >>> 0);
  }
  const bits = BigInt(words.length * 32);
  if (big >= 1n << (bits - 1n)) {
    big -= 1n << bits;
  }
  const negative = big < 0n;
  let digits = (negative ? -big : big).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = digits.slice(0, -scale) + "." + digits.slice(-scale);
  }
  return (negative ? "-" : "") + digits;
}

// A renderer per column, chosen by its Arrow type (typeId: Decimal 7, Date 8, Timestamp 10).
function textOf(type) {
  const id = type.typeId;
  return (value) => {
    if (value === null || value === undefined) {
      return null;
    }
    if (id === 7) {
      return decimalText(value, type.scale);
    }
    if (id === 8) {
      return isoDate(value instanceof Date ? value.getTime() : Number(value));
    }
    if (id === 10) {
      return isoTimestamp(value instanceof Date ? value.getTime() : Number(value));
    }
    if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") {
      return String(value);
    }
    if (typeof value === "string") {
      return value;
    }
    if (value instanceof Date) {
      return isoTimestamp(value.getTime());
    }
    if (typeof value.toJSON === "function") {
      return jsonSafe(value.toJSON());
    }
    if (typeof value.toArray === "function") {
      return jsonSafe(Array.from(value.toArray()));
    }
    return jsonSafe(value);
  };
}

function isNumeric(type) {
  return [2, 3, 7].includes(type.typeId); // Int, Float, Decimal
}

function tableOf(arrowTable) {
  const fields = arrowTable.schema.fields;
  const renderers = fields.map((f) => textOf(f.type));
  const columnVectors = fields.map((_, i) => arrowTable.getChildAt(i));
  const rows = [];
  for (let r = 0; r < arrowTable.numRows; r++) {
    rows.push(columnVectors.map((v, c) => renderers[c](v.get(r))));
  }
  return { columns: fields.map((f) => f.name), numeric: fields.map((f) => isNumeric(f.type)), rows };
}

// ---------- showing ----------

function el(name, attrs = {}, text = null) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) {
    node.setAttribute(k, v);
  }
  if (text !== null) {
    node.textContent = text;
  }
  return node;
}

function show(data, ms) {
  const shown = Math.min(data.rows.length, config.max_rows);
  const wrap = el("div", { class: "table-wrap tall", role: "region", tabindex: "0", "aria-labelledby": "sql-caption" });
  const table = el("table", { class: "sql-table" });
  const caption = el("caption", { id: "sql-caption" },
    shown < data.rows.length
      ? format(words.caption_capped, { shown: number(shown), rows: number(data.rows.length) })
      : format(data.rows.length === 1 ? words.caption_one : words.caption, { rows: number(data.rows.length) }));
  table.append(caption);
  const head = el("thead");
  const headRow = el("tr");
  for (const c of data.columns) {
    headRow.append(el("th", { scope: "col" }, c));
  }
  head.append(headRow);
  const body = el("tbody");
  for (let r = 0; r < shown; r++) {
    const tr = el("tr");
    data.rows[r].forEach((value, c) => {
      const td = el("td", data.numeric[c] ? { class: "num" } : {}, value === null ? "" : value);
      if (value === null) {
        td.classList.add("null");
        td.setAttribute("data-null", "");
      }
      tr.append(td);
    });
    body.append(tr);
  }
  table.append(head, body);
  wrap.append(table);
  result.replaceChildren(wrap);
  result.dataset.rows = String(data.rows.length);
  result.dataset.columns = String(data.columns.length);
  result.removeAttribute("data-error");
  last = data;
  downloadButton.disabled = false;
  say(format(data.rows.length === 1 ? words.done_one : words.done, { rows: number(data.rows.length), ms: number(Math.round(ms)) }), "done");
}

function showError(error) {
  const message = (error && error.message) || String(error);
  const box = el("div", { class: "sql-error", role: "alert" });
  const title = el("p");
  title.append(el("strong", {}, words.error));
  box.append(title, el("pre", { class: "sql-error-message" }, message));
  result.replaceChildren(box);
  result.dataset.rows = "0";
  result.dataset.columns = "0";
  result.setAttribute("data-error", message);
  last = null;
  downloadButton.disabled = true;
  say(words.error + ".", "error"); // the message itself is in the alert, read once
}

// ---------- running ----------

function shareable(sql) {
  const url = new URL(location.href);
  url.searchParams.set("q", sql);
  history.replaceState(null, "", url.href);
}

function run(sql) {
  busy = busy.then(async () => {
    if (!sql.trim()) {
      say(words.empty, result.dataset.state === "loading" ? "idle" : result.dataset.state);
      return;
    }
    runButton.disabled = true;
    try {
      const conn = await engine();
      say(words.running, "running");
      const began = performance.now();
      const table = await conn.query(sql);
      show(tableOf(table), performance.now() - began);
    } catch (error) {
      showError(error);
    } finally {
      runButton.disabled = false;
    }
  });
  return busy;
}

// ---------- CSV ----------

function csvCell(value) {
  if (value === null) {
    return "";
  }
  return /[",\r\n]/.test(value) || value !== value.trim() ? '"' + value.replace(/"/g, '""') + '"' : value;
}

function csv(data) {
  const lines = [data.columns.map(csvCell).join(",")];
  for (const row of data.rows) {
    lines.push(row.map(csvCell).join(","));
  }
  return lines.join("\n") + "\n";
}

function download() {
  if (!last) {
    return;
  }
  const blob = new Blob([csv(last)], { type: "text/csv;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: config.csv_name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  say(format(words.downloaded, { file: config.csv_name }));
}

// ---------- wiring ----------

form.addEventListener("submit", (event) => {
  event.preventDefault();
  shareable(input.value);
  run(input.value);
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    shareable(input.value);
    run(input.value);
  }
});

downloadButton.addEventListener("click", download);

// Example and table links carry their query: run it here (the link itself, ?q=, is for sharing).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-sql]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
    return;
  }
  event.preventDefault();
  input.value = link.dataset.sql;
  shareable(input.value);
  input.focus();
  run(input.value);
});

// The engine (some 18 MB) loads when the reader is about to use it: as soon as the form or a
// query link gets the pointer or the focus, or at once for a ?q= link. Merely opening the page
// costs nothing more than the page.
function warmUp() {
  if (connection) {
    return;
  }
  engine().then(() => {
    if (result.dataset.state === "loading") {
      say(words.ready, "idle");
    }
  }, (error) => {
    if (result.dataset.state === "loading") {
      showError(error);
    }
  });
}

for (const area of [form, ...document.querySelectorAll("a[data-sql]")]) {
  area.addEventListener("focusin", warmUp, { once: true });
  area.addEventListener("pointerover", warmUp, { once: true });
}

const asked = new URLSearchParams(location.search).get("q");
if (asked !== null) {
  input.value = asked;
  run(asked);
}
