// Slieksnis web app: the What-if page and the household calculator. Hand-written, no
// framework, nothing loaded from the network: it talks only to this server's /api (docs/api.md).
// Money arrives as EUR decimal strings ("1234.56") and is shown, never summed, here.
"use strict";

const LANG = document.documentElement.lang === "en" ? "en" : "lv";
const T = {
  lv: {
    nav_whatif: "Ko darīt, ja", nav_household: "Mājsaimniecības kalkulators", nav_training: "Apmācība",
    whatif_title: "Ko darīt, ja", household_title: "Mājsaimniecības kalkulators",
    council: "Pašvaldība", year: "Gads", month: "Mēnesis", bands: "Nenoteiktības josla (10 atkārtojumi, lēnāk)",
    reset: "Atjaunot spēkā esošās vērtības", xlsx: "Lejupielādēt izklājlapu (.xlsx)", report: "Lejupielādēt pārskatu (.html)",
    benefit: "Pabalsts", recipients: "Saņēmēji (mājsaimn.)", eur: "EUR", state: "Valsts daļa",
    municipal: "Pašvaldības daļa", change: "Izmaiņa EUR", total: "Kopā",
    gross: "Kopējās izmaksas", state_share: "Valsts daļa", municipal_net: "Pašvaldības neto izmaksas",
    households: "Mājsaimniecības pašvaldībā (visas)",
    computing: "Aprēķina…", done: "Aprēķināts", in_force: "spēkā", legal: "likumā atļauts",
    band: "josla p5–p95", diff: "pret spēkā esošo",
    statuses: "Statusi", assumed: "Pieņemts (pašvaldības vērtība nav zināma vai profils nav kalibrēts)",
    members: "Locekļi", age: "Vecums", income: "Ienākumi EUR/mēn.", disabled: "Invaliditāte",
    add: "+ Pievienot locekli", remove: "Noņemt", housing: "Mājokļa izdevumi EUR/mēn.", savings: "Uzkrājumi EUR",
    calculate: "Aprēķināt", cliff: "Kopējais pabalsts atkarībā no 1. locekļa ienākumiem",
    explanation: "Skaidrojums", status_word: "Statuss", none: "nav", needy: "trūcīga", low_income: "maznodrošināta",
    total_month: "Pabalsti kopā mēnesī", per_month: "EUR mēnesī", income_axis: "1. locekļa ienākumi EUR/mēn.",
    unit_year: "gads: mājsaimniecības un personas, kas gadā saņēmušas vismaz reizi; gada EUR",
    unit_month: "mēnesis: mājsaimniecības un personas, kas atbilst; mēneša EUR",
    now: "pašreiz", drop: "krituma vieta (slieksnis)", year_unit: "gadā", month_unit: "mēnesī",
  },
  en: {
    nav_whatif: "What if", nav_household: "Household calculator", nav_training: "Training",
    whatif_title: "What if", household_title: "Household calculator",
    council: "Council", year: "Year", month: "Month", bands: "Uncertainty band (10 replicates, slower)",
    reset: "Back to the values in force", xlsx: "Download the spreadsheet (.xlsx)", report: "Download the report (.html)",
    benefit: "Benefit", recipients: "Recipients (households)", eur: "EUR", state: "State share",
    municipal: "Council share", change: "Change EUR", total: "Total",
    gross: "Gross cost", state_share: "State share", municipal_net: "Council net cost",
    households: "Households in the council (all)",
    computing: "Computing…", done: "Computed", in_force: "in force", legal: "legal range",
    band: "band p5–p95", diff: "against the rules in force",
    statuses: "Statuses", assumed: "Assumed (the council's own value is not known, or the profile is not calibrated)",
    members: "Members", age: "Age", income: "Income EUR/month", disabled: "Disabled",
    add: "+ Add a member", remove: "Remove", housing: "Housing costs EUR/month", savings: "Savings EUR",
    calculate: "Calculate", cliff: "Total benefit against the income of member 1",
    explanation: "Explanation", status_word: "Status", none: "neither", needy: "needy", low_income: "low-income",
    total_month: "Benefits in total a month", per_month: "EUR a month", income_axis: "Income of member 1, EUR/month",
    unit_year: "a year: households and persons that received at least once; the year's EUR",
    unit_month: "a month: households and persons that qualify; the month's EUR",
    now: "now", drop: "a cliff (threshold)", year_unit: "a year", month_unit: "a month",
  },
};
const t = (k) => (T[LANG][k] !== undefined ? T[LANG][k] : k);
const $ = (s) => document.querySelector(s);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};

// Shows EUR strings with a thin space between thousands, as the tables of the CLI do; the
// string's digits are kept as they came (no float arithmetic on money).
function money(s) {
  if (s === null || s === undefined) return "—";
  const neg = s.startsWith("-");
  const [whole, frac] = (neg ? s.slice(1) : s).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  return (neg ? "−" : "") + grouped + (frac ? (LANG === "lv" ? "," : ".") + frac : "");
}
function count(n) { return n < 0 ? "−" + String(-n) : String(n); }
function signed(s, isMoney) {
  const neg = String(s).startsWith("-");
  const zero = /^-?0(\.0+)?$/.test(String(s));
  const text = isMoney ? money(String(s).replace(/^-/, "")) : String(s).replace(/^-/, "");
  return { text: zero ? "0" : (neg ? "−" : "+") + text, cls: zero ? "" : (neg ? "down" : "up") };
}
function labelOf(x) { return LANG === "lv" ? (x.label_lv || x.label) : x.label; }

async function api(path, body) {
  const opts = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(path, opts);
  const data = await r.json().catch(() => ({ error: "HTTP " + r.status }));
  if (!r.ok) throw new Error(data.error || "HTTP " + r.status);
  return data;
}

function chrome() {
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  const q = LANG === "en" ? "?lang=en" : "";
  for (const a of document.querySelectorAll("[data-nav]")) a.href = a.dataset.nav + q;
  const sw = $("#lang-switch");
  sw.textContent = LANG === "en" ? "Latviski" : "English";
  sw.href = location.pathname + (LANG === "en" ? "" : "?lang=en");
}

async function councils(select, preferred) {
  const data = await api("/api/councils");
  for (const c of data.councils) {
    if (c.status !== "active") continue;
    select.append(el("option", { value: c.slug, text: c.name }));
  }
  select.value = preferred;
}

function setStatus(text, error) {
  const s = $("#status");
  s.textContent = text;
  s.className = "status" + (error ? " error" : "");
}

// ---- What if ----

const whatif = {
  sliders: [], // { path, value (in force), input, output }
  timer: null,
  seq: 0,
};

function request() {
  const set = {};
  for (const s of whatif.sliders) if (s.input.value !== s.value) set[s.path] = s.input.value;
  return {
    municipality: $("#council").value,
    year: Number($("#year").value),
    set,
    replicates: $("#bands").checked ? 10 : 0,
  };
}

async function loadSliders() {
  const data = await api(`/api/parameters?municipality=${$("#council").value}&year=${$("#year").value}`);
  const box = $("#sliders");
  box.textContent = "";
  whatif.sliders = [];
  for (const p of data.parameters) {
    const input = el("input", { type: "range", min: p.min, max: p.max, step: p.step, value: p.value, "data-path": p.path });
    input.value = p.value;
    const output = el("output", { text: p.value });
    const s = { path: p.path, value: input.value, input, output };
    const box1 = el("div", { class: "slider" },
      el("div", { class: "name", text: LANG === "lv" ? p.label_lv : p.label_en }),
      el("div", { class: "row" }, input, output),
      el("small", { text: `${t("in_force")} ${p.value}; ${t("legal")} ${p.legal_min} … ${p.legal_max}${p.reference ? " — " + p.reference : ""}` }));
    input.addEventListener("input", () => {
      output.textContent = input.value;
      output.classList.toggle("changed", input.value !== s.value);
      schedule();
    });
    whatif.sliders.push(s);
    box.append(box1);
  }
}

function schedule() {
  clearTimeout(whatif.timer);
  // Debounced: a drag sends one request when it pauses, not one per pixel.
  whatif.timer = setTimeout(redraw, 250);
}

async function redraw() {
  const req = request();
  const seq = ++whatif.seq;
  setStatus(t("computing"));
  let data;
  try {
    data = await api("/api/run", req);
  } catch (e) {
    if (seq === whatif.seq) { setStatus(e.message, true); downloads(null); }
    return;
  }
  if (seq !== whatif.seq) return; // a newer request is on its way
  setStatus(`${t("done")}: ${data.horizon} — ${t(/^\d{4}$/.test(data.horizon) ? "unit_year" : "unit_month")}`);
  show(data);
  downloads(req);
}

// The downloads are of exactly the request whose figures are on screen (council, year, the
// sliders moved, the bands); none while the screen shows an error.
function downloads(req) {
  const q = req && "?lang=" + LANG + "&q=" + encodeURIComponent(JSON.stringify(req));
  for (const [id, path] of [["#xlsx", "/api/xlsx"], ["#report", "/api/report"]]) {
    if (q) $(id).href = path + q; else $(id).removeAttribute("href");
  }
}

function rowOf(side, municipality) { return side.rows.find((r) => r.municipality === municipality) || side.rows[side.rows.length - 1]; }

function show(data) {
  const m = data.municipality;
  const base = rowOf(data.baseline, m);
  const reform = data.reform ? rowOf(data.reform, m) : base;
  const diff = data.difference ? rowOf(data.difference, m) : null;
  const cards = $("#totals");
  cards.textContent = "";
  const card = (key, name, isMoney) => {
    const v = isMoney ? money(reform.measures[name]) + " €" : count(reform.measures[name]);
    const c = el("div", { class: "card", "data-measure": name }, el("div", { class: "k", text: t(key) }), el("div", { class: "v", text: v }));
    if (diff) {
      const d = signed(diff.measures[name], isMoney);
      const line = el("div", { class: "d " + d.cls, text: `${d.text} ${t("diff")}` });
      c.append(line);
      if (diff.bands) {
        const b = diff.bands[name];
        c.append(el("span", { class: "band", text: `${t("band")}: ${isMoney ? money(b.p5) : b.p5} … ${isMoney ? money(b.p95) : b.p95}` }));
      }
    } else if (reform.bands) {
      const b = reform.bands[name];
      c.append(el("span", { class: "band", text: `${t("band")}: ${isMoney ? money(b.p5) : b.p5} … ${isMoney ? money(b.p95) : b.p95}` }));
    }
    cards.append(c);
  };
  card("gross", "gross_eur", true);
  card("state_share", "state_share_eur", true);
  card("municipal_net", "municipal_net_eur", true);
  card("households", "households", false);
  const tbody = $("#benefits tbody");
  tbody.textContent = "";
  reform.benefits.forEach((b, i) => {
    const d = diff ? signed(diff.benefits[i].eur, true) : { text: "", cls: "" };
    const hd = diff ? signed(diff.benefits[i].households, false) : null;
    const tr = el("tr", { "data-benefit": b.id },
      el("td", { text: labelOf(b) + (b.assumed ? " *" : "") }),
      el("td", { text: count(b.households) + (hd && hd.text !== "0" ? ` (${hd.text})` : "") }),
      el("td", { text: money(b.eur) }),
      el("td", { text: money(b.state_eur) }),
      el("td", { text: money(b.municipal_eur) }),
      el("td", { class: d.cls, text: d.text }));
    tbody.append(tr);
  });
  const st = Object.entries(reform.statuses).map(([id, s]) => `${labelOf(s)}: ${s.households}`).join("; ");
  $("#statuses").textContent = `${t("statuses")}: ${st}`;
  $("#assumed").textContent = reform.assumed.length ? `* ${t("assumed")}: ${reform.assumed.join(", ")}` : "";
}

async function initWhatif() {
  const params = new URLSearchParams(location.search);
  for (let y = 2021; y <= 2030; y++) $("#year").append(el("option", { value: String(y), text: String(y) }));
  $("#year").value = params.get("year") || "2026";
  await councils($("#council"), params.get("municipality") || "tukuma-novads");
  const reload = async () => {
    try { await loadSliders(); await redraw(); } catch (e) { setStatus(e.message, true); }
  };
  $("#council").addEventListener("change", reload);
  $("#year").addEventListener("change", reload);
  $("#bands").addEventListener("change", redraw);
  $("#reset").addEventListener("click", () => {
    for (const s of whatif.sliders) { s.input.value = s.value; s.output.textContent = s.value; s.output.classList.remove("changed"); }
    redraw();
  });
  await reload();
}

// ---- Household calculator ----

function memberRow(age, income, disabled) {
  const tr = el("tr", {},
    el("td", {}, el("input", { type: "number", min: "0", max: "120", step: "1", value: String(age), class: "age" })),
    el("td", {}, el("input", { type: "number", min: "0", step: "0.01", value: String(income), class: "income" })),
    el("td", {}, el("input", { type: "checkbox", class: "disabled" })),
    el("td", {}, el("button", { type: "button", class: "remove", text: "×", title: t("remove") })));
  tr.querySelector(".disabled").checked = !!disabled;
  tr.querySelector(".remove").addEventListener("click", () => { if ($("#members tbody").rows.length > 1) tr.remove(); });
  $("#members tbody").append(tr);
}

function householdBody() {
  const persons = [...$("#members tbody").rows].map((tr) => {
    const p = { age: Number(tr.querySelector(".age").value || 0) };
    // Amounts go as the decimal text typed, so nothing is lost on the way.
    const inc = tr.querySelector(".income").value;
    if (inc !== "" && Number(inc) !== 0) p.income = Number(inc);
    if (tr.querySelector(".disabled").checked) p.disabled = true;
    return p;
  });
  const household = { municipality: $("#council").value, persons };
  const housing = $("#housing").value, savings = $("#savings").value;
  if (housing !== "") household.housing_costs = Number(housing);
  if (savings !== "") household.savings = Number(savings);
  return { household, period: $("#period").value, lang: LANG, vary: { input: "income", person: 1, from: 0, to: 1500, step: 10 } };
}

async function calculate(ev) {
  if (ev) ev.preventDefault();
  setStatus(t("computing"));
  let data;
  try { data = await api("/api/household", householdBody()); } catch (e) { setStatus(e.message, true); return; }
  setStatus(`${t("done")}: ${data.period}`);
  const r = data.result;
  const box = $("#result");
  box.textContent = "";
  box.append(el("div", { class: "cards" },
    el("div", { class: "card", id: "hh-status" }, el("div", { class: "k", text: t("status_word") }), el("div", { class: "v", text: t(r.status) })),
    el("div", { class: "card", id: "hh-total" }, el("div", { class: "k", text: t("total_month") }), el("div", { class: "v", text: money(r.total_eur) + " €" }))));
  const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: t("benefit") }), el("th", { text: t("per_month") }), el("th", { text: t("state") }))));
  const tb = el("tbody");
  for (const b of r.benefits) {
    if (b.eur === "0.00") continue;
    tb.append(el("tr", {}, el("td", { text: labelOf(b) }), el("td", { text: money(b.eur) }), el("td", { text: money(b.state_eur) })));
  }
  table.append(tb);
  box.append(table);
  $("#explanation").textContent = data.explanation.text;
  const first = [...$("#members tbody").rows][0];
  chart(data.series.points, Number(first.querySelector(".income").value || 0));
}

// The cliff chart: the total benefit as a step line against member 1's income; where the total
// falls by more than one step's worth, a red mark shows the threshold that was crossed.
function chart(points, now) {
  const W = 640, H = 260, L = 56, R = 12, TOP = 12, B = 36;
  const xs = points.map((p) => p.x), ys = points.map((p) => Number(p.total_eur));
  const xmax = Math.max(...xs, 1), ymax = Math.max(...ys, 1) * 1.1;
  const X = (x) => L + (x / xmax) * (W - L - R), Y = (y) => TOP + (1 - y / ymax) * (H - TOP - B);
  const ns = "http://www.w3.org/2000/svg";
  const s = (tag, attrs) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": t("cliff"), id: "cliff-chart" });
  svg.append(s("line", { x1: L, y1: Y(0), x2: W - R, y2: Y(0), stroke: "#999" }));
  svg.append(s("line", { x1: L, y1: TOP, x2: L, y2: Y(0), stroke: "#999" }));
  for (let k = 0; k <= 4; k++) {
    const v = (ymax / 1.1) * k / 4, y = Y(v);
    svg.append(s("line", { x1: L, y1: y, x2: W - R, y2: y, stroke: "#eee" }));
    const tx = s("text", { x: L - 6, y: y + 4, "text-anchor": "end" }); tx.textContent = Math.round(v); svg.append(tx);
  }
  for (let k = 0; k <= 5; k++) {
    const v = xmax * k / 5;
    const tx = s("text", { x: X(v), y: H - B + 16, "text-anchor": "middle" }); tx.textContent = Math.round(v); svg.append(tx);
  }
  const label = s("text", { x: (L + W) / 2, y: H - 4, "text-anchor": "middle" }); label.textContent = t("income_axis"); svg.append(label);
  let d = "";
  points.forEach((p, i) => { const x = X(p.x), y = Y(ys[i]); d += i === 0 ? `M${x},${y}` : `H${x}V${y}`; });
  svg.append(s("path", { d, fill: "none", stroke: "#9e3039", "stroke-width": 2 }));
  for (let i = 1; i < points.length; i++) {
    // A cliff: the total falls by more than the income rose (a taper of 1:1 is not one).
    if (ys[i - 1] - ys[i] > points[i].x - points[i - 1].x + 0.5) {
      const c = s("circle", { cx: X(points[i].x), cy: Y(ys[i - 1]), r: 4, fill: "#d33", class: "cliff" });
      const ti = s("title", {}); ti.textContent = `${t("drop")}: ${points[i - 1].x}→${points[i].x} EUR: ${money(points[i - 1].total_eur)} → ${money(points[i].total_eur)}`;
      c.append(ti); svg.append(c);
    }
  }
  if (now <= xmax) svg.append(s("line", { x1: X(now), y1: TOP, x2: X(now), y2: Y(0), stroke: "#1c6b3a", "stroke-dasharray": "4 3" }));
  const box = $("#chart"); box.textContent = ""; box.append(svg);
}

async function initHousehold() {
  await councils($("#council"), "tukuma-novads");
  memberRow(40, 300, false);
  memberRow(38, 0, false);
  memberRow(10, 0, false);
  $("#add").addEventListener("click", () => memberRow(30, 0, false));
  $("#hh").addEventListener("submit", calculate);
  await calculate();
}

chrome();
if (document.body.dataset.page === "whatif") initWhatif();
else if (document.body.dataset.page === "household") initHousehold();
