// The team progress page: the dataset's figures from /api/team (review/progress.py), shown
// with textContent; the plot is the server's SVG. Refreshed every 30 seconds.

const params = new URLSearchParams(location.search);
const token = params.get("token");
const REFRESH_MS = 30000;
const $ = (id) => document.getElementById(id);

function cell(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text === null || text === undefined ? "-" : String(text);
  return node;
}

function fillTable(id, rows) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.append(...row.map((value, i) => cell(i === 0 ? "th" : "td", value)));
      return tr;
    }),
  );
}

const when = (t) => (t === null ? null : new Date(t * 1000).toLocaleString());
const fixed = (x, digits) => (x === null ? null : x.toFixed(digits));

function show(data) {
  $("dataset").textContent = data.dataset;
  $("answers").textContent = String(data.answers);
  fillTable(
    "annotators",
    data.annotators.map((a) => [
      a.annotator, a.answers, a.accept, a.reject, a.ignore, a.spans,
      when(a.first), when(a.last), fixed(a.per_hour, 0),
    ]),
  );
  fillTable("labels-so-far", Object.entries(data.labels));
  const agreement = data.agreement;
  fillTable("agreement", [
    ...agreement.pairs.map((p) => [`${p.reference} / ${p.other}`, p.texts, fixed(p.f, 3), fixed(p.token_kappa, 3)]),
    ...agreement.binary.map((b) => [`${b.reference} / ${b.other}`, b.tasks, fixed(b.agreement, 3), fixed(b.kappa, 3)]),
  ]);
  $("agreement-note").textContent = agreement.texts
    ? `${agreement.texts} texts answered by several annotators` +
      (agreement.alpha === null ? "" : `; Krippendorff's alpha ${agreement.alpha.toFixed(3)}`)
    : "No text was answered by two annotators yet.";
  // The server's SVG (names escaped there), parsed as XML: nothing in it runs.
  const svg = new DOMParser().parseFromString(data.svg, "image/svg+xml").documentElement;
  $("plot").replaceChildren(document.adoptNode(svg));
}

async function refresh() {
  try {
    const response = await fetch("/api/team", { headers: token ? { "X-Token": token } : {} });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    show(await response.json());
    $("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
    $("status").classList.remove("error");
    document.body.dataset.ready = "true";
  } catch (err) {
    $("status").textContent = `cannot load the figures (${err.message})`;
    $("status").classList.add("error");
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
