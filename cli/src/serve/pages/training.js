// Slieksnis web app: the Training page. Loaded after app.js, whose helpers it uses (t, $, el,
// api, money, councils, setStatus). An exercise is a household from the policy's case files or
// a council's generated households; the trainee predicts its status and amounts, the server
// says what the rules give and why (/api/answer). The score and the rule branches met so far
// are kept here, in localStorage, never on the server.
"use strict";

// Each text in Latvian and English, side by side.
const TRAINING_TEXTS = {
  training_title: ["Apmācība", "Training"],
  tr_source: ["Uzdevumi no", "Exercises from"],
  tr_cases: ["politikas pārbaudes gadījumiem", "the policy's case files"],
  tr_generated: ["ģenerētām mājsaimniecībām", "generated households"],
  tr_next: ["Nākamais uzdevums", "Next exercise"],
  tr_status: ["Statuss", "Status"],
  tr_submit: ["Iesniegt atbildi", "Submit the answer"],
  tr_score: ["Rezultāts", "Score"],
  tr_coverage: ["Noteikumu zari, kas satikti", "Rule branches met"],
  tr_unmet: ["Vēl nesatiktie noteikumu zari", "Rule branches not met yet"],
  tr_reset: ["Sākt no jauna (dzēst rezultātu)", "Start again (clear the score)"],
  tr_branch_note: ["Zars ir viena puse (jā vai nē) no katra salīdzinājuma ar mājsaimniecības vērtībām un katras izvēles where(…) noteikumu skriptos; tos uzskaita no pašiem skriptiem. Daži zari nav sasniedzami nevienai mājsaimniecībai.",
    "A branch is one side (yes or no) of each comparison of household values and each where(…) choice in the rules' scripts; they are listed from the scripts themselves. Some branches no household can reach."],
  tr_exercises: ["uzdevumi", "exercises"],
  tr_right: ["pareizi", "right"],
  tr_of: ["no", "of"],
  tr_field: ["Ko prognozēja", "Predicted"],
  tr_yours: ["Jūsu atbilde", "Your answer"],
  tr_rules: ["Noteikumi dod", "The rules give"],
  tr_ok: ["pareizi", "right"],
  tr_wrong: ["nepareizi", "wrong"],
  tr_case: ["Gadījums", "Case"],
  tr_household: ["Mājsaimniecība", "Household"],
  tr_person: ["persona", "person"],
  tr_amount: ["EUR mēnesī", "EUR a month"],
  tr_missing: ["Ierakstiet summu (0, ja pabalsta nav)", "Write an amount (0 if there is no benefit)"],
  tr_loading: ["Ielādē uzdevumu…", "Loading the exercise…"],
  tr_checking: ["Pārbauda…", "Checking…"],
  tr_new_met: ["jauni zari šajā uzdevumā", "new branches in this exercise"],
  tr_command: ["Tas pats komandrindā", "The same on the command line"],
  tr_all_met: ["visi zari satikti", "every branch met"],
  tr_ready: ["Prognozējiet statusu un pabalstus, tad iesniedziet.",
    "Predict the status and the benefits, then submit."],
  months: [["janvāris", "februāris", "marts", "aprīlis", "maijs", "jūnijs", "jūlijs", "augusts", "septembris", "oktobris", "novembris", "decembris"],
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]],
};
for (const [k, [lv, en]] of Object.entries(TRAINING_TEXTS)) { T.lv[k] = lv; T.en[k] = en; }

const KEY = "slieksnis-training";
const training = { exercise: null, branches: [], counts: {}, answered: false };

function progress() {
  let p = null;
  try { p = JSON.parse(localStorage.getItem(KEY)); } catch (e) { p = null; }
  return p && Array.isArray(p.met) ? p : { done: 0, right: 0, of: 0, met: [], nextCase: 0 };
}
function saveProgress(p) { localStorage.setItem(KEY, JSON.stringify(p)); }

function monthWords(period) {
  const [y, m] = period.split("-");
  const name = t("months")[Number(m) - 1];
  return LANG === "lv" ? `${y}. gada ${name}` : `${name} ${y}`;
}

function showProgress() {
  const p = progress();
  const pct = p.of ? Math.round((100 * p.right) / p.of) : 0;
  $("#score").textContent = p.of ? `${p.right} / ${p.of}` : "—";
  $("#score-detail").textContent = `${t("tr_exercises")}: ${p.done}; ${t("tr_right")} ${pct} %`;
  const all = training.branches;
  const met = new Set(p.met);
  const n = all.filter((b) => met.has(b.id)).length;
  $("#coverage").textContent = `${n} / ${all.length}`;
  $("#coverage-detail").textContent = all.length ? `${Math.round((100 * n) / all.length)} %` : "";
  const list = $("#unmet");
  list.textContent = "";
  const unmet = all.filter((b) => !met.has(b.id));
  for (const b of unmet) {
    list.append(el("li", { "data-branch": b.id }, el("span", { text: b.words }), " ", el("small", { class: "note", text: `(${b.script}:${b.line}: ${b.code})` })));
  }
  if (!unmet.length) list.append(el("li", { text: t("tr_all_met") }));
}

function request() {
  const source = $("#source").value;
  const ref = { source, n: 0 };
  if (source === "generated") {
    ref.municipality = $("#council").value;
    ref.period = $("#period").value;
  }
  return ref;
}

function countKey(ref) { return ref.source === "cases" ? "cases" : `${ref.municipality}/${ref.period}`; }

// The next exercise; `given`: this number (a link to an exercise, ?source=…&n=…).
async function nextExercise(given) {
  const ref = request();
  const p = progress();
  const known = training.counts[countKey(ref)];
  if (given !== undefined) ref.n = given;
  else if (ref.source === "cases") ref.n = known ? p.nextCase % known : p.nextCase;
  else if (known) ref.n = Math.floor(Math.random() * known);
  setStatus(t("tr_loading"));
  const q = new URLSearchParams({ lang: LANG, source: ref.source, n: String(ref.n) });
  if (ref.municipality) { q.set("municipality", ref.municipality); q.set("period", ref.period); }
  let x;
  try {
    x = await api("/api/exercise?" + q.toString());
  } catch (e) {
    setStatus(e.message, true);
    return;
  }
  training.counts[countKey(ref)] = x.count;
  // A generated household picked at random once the council's count is known.
  if (ref.source === "generated" && given === undefined && !known && x.count > 1) return nextExercise();
  training.exercise = { ref, data: x };
  training.answered = false;
  showExercise(x);
  setStatus(t("tr_ready"));
}

function showExercise(x) {
  $("#exercise-title").textContent = `${t("tr_household")}: ${x.municipality.name}, ${monthWords(x.period)}`;
  const box = $("#exercise");
  box.textContent = "";
  const ul = el("ul", { id: "members" });
  x.members.forEach((m, i) => {
    const facts = m.facts.map((f) => `${f.label} ${f.value}`).join("; ");
    ul.append(el("li", { text: `${i + 1}. ${t("tr_person")}: ${facts}` }));
  });
  box.append(ul);
  if (x.household.length) {
    box.append(el("p", { id: "household-facts", text: x.household.map((f) => `${f.label}: ${f.value}`).join("; ") }));
  }
  // A link that gives this exercise again.
  const link = new URLSearchParams({ source: x.source, n: String(x.n) });
  if (x.source === "generated") { link.set("municipality", x.municipality.slug); link.set("period", x.period); }
  if (LANG === "en") link.set("lang", "en");
  box.append(el("p", { class: "note" }, el("a", { href: "/training?" + link.toString(), text: x.id })));
  const sel = $("#p-status");
  sel.textContent = "";
  for (const s of x.statuses) sel.append(el("option", { value: s.id, text: s.label }));
  sel.value = "none";
  for (const a of x.ask) {
    if (a.field === "status") continue;
    $("#l-" + a.field).textContent = `${a.label}, ${t("tr_amount")}`;
    $("#p-" + a.field).value = "";
  }
  $("#submit").disabled = false;
  $("#answer").textContent = "";
  $("#explanation").textContent = "";
}

async function submit(ev) {
  ev.preventDefault();
  if (!training.exercise || training.answered) return;
  const x = training.exercise.data;
  const prediction = { status: $("#p-status").value };
  for (const a of x.ask) {
    if (a.field === "status") continue;
    const v = $("#p-" + a.field).value.trim();
    if (v === "") { setStatus(`${a.label}: ${t("tr_missing")}`, true); return; }
    prediction[a.field] = v;
  }
  setStatus(t("tr_checking"));
  let r;
  try {
    r = await api("/api/answer", { exercise: training.exercise.ref, prediction, lang: LANG });
  } catch (e) {
    setStatus(e.message, true);
    return;
  }
  training.answered = true;
  $("#submit").disabled = true;
  const p = progress();
  const before = new Set(p.met);
  const fresh = r.branches.met.filter((id) => !before.has(id)).length;
  p.done += 1; p.right += r.right; p.of += r.of;
  p.met = Array.from(new Set([...p.met, ...r.branches.met])).sort();
  if (training.exercise.ref.source === "cases") p.nextCase = training.exercise.ref.n + 1;
  saveProgress(p);
  showAnswer(r, fresh);
  showProgress();
  setStatus(`${r.right} ${t("tr_of")} ${r.of} ${t("tr_right")}; ${fresh} ${t("tr_new_met")}`);
}

function showAnswer(r, fresh) {
  const box = $("#answer");
  box.textContent = "";
  if (r.case) box.append(el("p", { id: "case-name" }, el("strong", { text: `${t("tr_case")}: ` }), `${r.case.name} (${r.case.file}:${r.case.line})`));
  const table = el("table", { id: "checks" });
  table.append(el("thead", {}, el("tr", {}, el("th", { text: t("tr_field") }), el("th", { text: t("tr_yours") }), el("th", { text: t("tr_rules") }), el("th", { text: "" }))));
  const body = el("tbody");
  for (const c of r.checks) {
    const shown = (v, text) => (c.field === "status" ? text : money(v) + " €");
    body.append(el("tr", { "data-field": c.field, class: c.right ? "up" : "down" },
      el("td", { text: c.label }),
      el("td", { text: shown(c.predicted, c.predicted_text) }),
      el("td", { text: shown(c.answer, c.answer_text) }),
      el("td", { class: "verdict", text: c.right ? "✓ " + t("tr_ok") : "✗ " + t("tr_wrong") })));
  }
  table.append(body);
  box.append(table);
  const others = r.result.benefits.filter((b) => b.eur !== "0.00" && !r.checks.some((c) => c.field === b.id));
  if (others.length) box.append(el("p", { class: "note", text: others.map((b) => `${labelOf(b)}: ${money(b.eur)} €`).join("; ") }));
  box.append(el("p", { class: "note" }, `${t("tr_command")}: `, el("code", { text: r.command })));
  $("#explanation").textContent = r.explanation.text;
}

async function initTraining() {
  chrome();
  try {
    const b = await api("/api/branches?lang=" + LANG);
    training.branches = b.branches;
  } catch (e) {
    setStatus(e.message, true);
  }
  showProgress();
  await councils($("#council"), "tukuma-novads");
  const showSource = () => { $("#generated-only").hidden = $("#source").value !== "generated"; };
  $("#source").addEventListener("change", () => { showSource(); nextExercise(); });
  $("#council").addEventListener("change", () => nextExercise());
  $("#period").addEventListener("change", () => nextExercise());
  $("#next").addEventListener("click", () => nextExercise());
  $("#predict").addEventListener("submit", submit);
  $("#reset").addEventListener("click", () => { localStorage.removeItem(KEY); showProgress(); nextExercise(); });
  // A link to an exercise: ?source=cases&n=12, or generated with municipality and period.
  const q = new URLSearchParams(location.search);
  const n = /^\d+$/.test(q.get("n") || "") ? Number(q.get("n")) : undefined;
  if (q.get("source") === "generated") {
    $("#source").value = "generated";
    if (q.get("municipality")) $("#council").value = q.get("municipality");
    if (q.get("period")) $("#period").value = q.get("period");
    showSource();
  }
  await nextExercise(n);
}

if (document.body.dataset.page === "training") initTraining();
