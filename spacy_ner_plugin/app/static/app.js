// The annotation page: fetches tasks, shows them in the recipe's view, and saves answers.
// Every text, label and meta value reaches the page through textContent, never as HTML.

const params = new URLSearchParams(location.search);
const sessionName = params.get("session");
const token = params.get("token");
const headers = { "Content-Type": "application/json" };
if (token) headers["X-Token"] = token;
// The span fields the server takes back; a span's other fields stay on the page.
const SPAN_FIELDS = [
  ...["start", "end", "token_start", "token_end", "label"],
  ...["source", "pattern_id", "pattern_line", "score"],
];
const HISTORY_SIZE = 20;
// spans.manual's view: spans may overlap and nest, drawn as stacked bars under the tokens.
const SPANS_VIEW = "spans_manual";

const state = {
  config: null,
  queue: [], // tasks fetched, not yet shown
  current: null, // { task, spans, accept, supersedes? }
  outbox: [], // answers not yet acknowledged: { rec, shown, sending }
  history: [], // this session's saved answers, newest first (GET /api/history)
  exhausted: false,
  fetching: null,
  label: null,
  anchor: null,
  hover: null,
  retry: 0,
  retryTimer: null,
  idleTimer: null,
  ackWaiters: [], // resolved once every answer given is acknowledged
};

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

function newId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function query(extra = {}) {
  const q = new URLSearchParams(extra);
  if (sessionName) q.set("session", sessionName);
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function api(path, body, options = {}) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    ...options,
  });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = JSON.stringify((await response.json()).detail);
    } catch (err) {
      /* keep the status text */
    }
    const error = new Error(`${response.status}: ${detail}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

function copySpan(span) {
  const copy = {};
  for (const field of SPAN_FIELDS) if (span[field] !== undefined) copy[field] = span[field];
  return copy;
}

// Labels: the chosen one is kept per dataset across reloads.

function labelKey() {
  return `spacy_ner_plugin.label.${state.config.dataset}`;
}

function savedLabel() {
  try {
    return localStorage.getItem(labelKey());
  } catch (err) {
    return null; // storage off: the first label
  }
}

function labelClass(label) {
  const i = state.config.labels.indexOf(label);
  return i >= 0 ? `l${i % 8}` : "lx";
}

function renderLabels() {
  const nav = $("labels");
  nav.replaceChildren();
  const view = state.config.view;
  if (view === "ner") return;
  state.config.labels.forEach((label, i) => {
    // In review, the number keys pick a version instead.
    const keyed = i < 9 && view !== "review";
    const button = el("button", labelClass(label), keyed ? `${i + 1} ${label}` : label);
    button.type = "button";
    button.dataset.label = label;
    button.setAttribute("aria-pressed", String(label === state.label));
    button.addEventListener("click", (e) => {
      e.currentTarget.blur();
      chooseLabel(label);
    });
    nav.append(button);
  });
}

function chooseLabel(label) {
  state.label = label;
  try {
    localStorage.setItem(labelKey(), label);
  } catch (err) {
    /* storage off: the choice lasts for this page only */
  }
  renderLabels();
}

// Text with spans

const isSpace = (token) => token.text.trim() === "";

function renderText(task, spans, editable, differ = new Set()) {
  const box = el("div", "text");
  const starts = new Map(spans.map((span, k) => [span.token_start, k]));
  const tokens = task.tokens;
  let i = 0;
  while (i < tokens.length) {
    if (starts.has(i)) {
      const k = starts.get(i);
      const span = spans[k];
      const mark = el("mark", labelClass(span.label));
      mark.dataset.span = String(k);
      mark.dataset.label = span.label;
      for (let j = span.token_start; j <= span.token_end && j < tokens.length; j++) {
        mark.append(tokenNode(tokens[j], j, differ));
        if (j < span.token_end && tokens[j].ws) mark.append(" ");
      }
      mark.append(el("span", "label", span.label));
      if (editable) {
        const remove = el("button", "remove", "\u00d7");
        remove.type = "button";
        remove.title = "remove this span";
        remove.setAttribute("aria-label", `remove ${span.label} span`);
        remove.dataset.remove = String(k);
        mark.append(remove);
      }
      box.append(mark);
      if (tokens[span.token_end] && tokens[span.token_end].ws) box.append(" ");
      i = Math.max(span.token_end + 1, i + 1);
    } else {
      box.append(tokenNode(tokens[i], i, differ));
      if (tokens[i].ws) box.append(" ");
      i += 1;
    }
  }
  if (editable) attachEditing(box);
  return box;
}

// Stacked spans (SPANS_VIEW): each token is a cell (with the space after it) over one row per
// level; a span is a bar along its tokens' rows at its level, its label at its start. A click
// on a bar or a label removes the span; a drag or double-click adds one, inside others too.
function renderStacked(task, spans) {
  const box = el("div", "text stacked");
  const levels = spanLevels(spans);
  const rows = spans.length ? Math.max(...levels) + 1 : 0;
  const at = Array.from({ length: rows }, () => new Map()); // per row: token → span
  spans.forEach((s, k) => {
    for (let j = s.token_start; j <= s.token_end; j++) at[levels[k]].set(j, k);
  });
  task.tokens.forEach((token, i) => {
    const cell = el("span", token.ws ? "cell spaced" : "cell");
    const text = tokenNode(token, i, new Set());
    if (text.classList.contains("nl")) text.textContent = ""; // shown as ↵, the line breaks after
    cell.append(text);
    if (token.ws) cell.append(el("span", "gap", " "));
    for (let row = 0; row < rows; row++) {
      const k = at[row].has(i) ? at[row].get(i) : -1;
      cell.append(k < 0 ? el("span", "bar") : barNode(spans[k], k, i));
      if (!token.ws) continue;
      const across = k >= 0 && i < spans[k].token_end; // the space inside a span is barred too
      cell.append(across ? barNode(spans[k], k, null) : el("span", "bar"));
    }
    box.append(cell);
    if (text.classList.contains("nl")) box.append(el("span", "break"));
  });
  attachEditing(box);
  return box;
}

// Each span's row: the lowest one free along its tokens (by start, the longer span first).
function spanLevels(spans) {
  const order = spans.map((_, k) => k);
  order.sort((a, b) => spans[a].token_start - spans[b].token_start || spans[b].token_end - spans[a].token_end);
  const levels = new Array(spans.length);
  const rowEnds = []; // the last token taken in each row so far
  for (const k of order) {
    let row = rowEnds.findIndex((end) => end < spans[k].token_start);
    if (row < 0) row = rowEnds.length;
    rowEnds[row] = spans[k].token_end;
    levels[k] = row;
  }
  return levels;
}

// The piece of span k's bar under token i (null: under the space after a token).
function barNode(span, k, i) {
  const bar = el("span", `bar ${labelClass(span.label)}`);
  if (i === span.token_start) bar.classList.add("first");
  if (i === span.token_end) bar.classList.add("last");
  bar.dataset.span = String(k);
  bar.dataset.remove = String(k);
  bar.title = `${span.label}: click to remove`;
  if (i === span.token_start) {
    const label = el("button", "span-label", span.label);
    label.type = "button";
    label.dataset.label = span.label;
    label.dataset.remove = String(k);
    label.setAttribute("aria-label", `remove ${span.label} span`);
    bar.append(label);
  }
  return bar;
}

function tokenNode(token, i, differ) {
  const space = isSpace(token);
  const node = el("span", space ? "tok ws" : "tok", token.text);
  if (space && token.text.includes("\n")) node.classList.add("nl");
  if (!space && differ.has(i)) {
    node.classList.add("diff");
    node.title = "the versions differ here";
  }
  node.dataset.i = String(i);
  return node;
}

function tokenIndex(target) {
  const node = target.closest ? target.closest(".tok") : null;
  return node ? Number(node.dataset.i) : null;
}

function attachEditing(box) {
  box.addEventListener("mousedown", (event) => {
    if (event.button !== 0) return;
    const i = tokenIndex(event.target);
    event.preventDefault();
    if (i === null || isSpace(state.current.task.tokens[i])) return;
    state.anchor = i;
    state.hover = i;
  });
  box.addEventListener("mouseover", (event) => {
    const i = tokenIndex(event.target);
    if (i !== null && state.anchor !== null) {
      state.hover = i;
      highlightSelection(box);
    }
  });
  box.addEventListener("click", (event) => {
    const remove = event.target.closest ? event.target.closest("[data-remove]") : null;
    if (remove) removeSpan(Number(remove.dataset.remove));
  });
  box.addEventListener("dblclick", (event) => {
    const i = tokenIndex(event.target);
    if (i !== null) addSpan(i, i);
  });
}

function highlightSelection(box) {
  const [a, b] = [Math.min(state.anchor, state.hover), Math.max(state.anchor, state.hover)];
  box.querySelectorAll(".tok").forEach((node) => {
    const i = Number(node.dataset.i);
    node.classList.toggle("sel", i >= a && i <= b);
  });
}

document.addEventListener("mouseup", (event) => {
  if (state.anchor === null) return;
  const here = tokenIndex(event.target);
  const focus = here !== null ? here : state.hover;
  const anchor = state.anchor;
  state.anchor = null;
  state.hover = null;
  // A drag across tokens labels them; a single click changes nothing (the × removes a span,
  // a double-click labels one token). No re-render on a click: the dblclick needs its nodes.
  if (focus !== null && focus !== anchor) return addSpan(Math.min(anchor, focus), Math.max(anchor, focus));
  document.querySelectorAll(".tok.sel").forEach((node) => node.classList.remove("sel"));
});

function addSpan(first, last) {
  const tokens = state.current.task.tokens;
  // A span never starts or ends on whitespace.
  while (first <= last && isSpace(tokens[first])) first += 1;
  while (last >= first && isSpace(tokens[last])) last -= 1;
  if (first > last || !state.label) return render();
  // Stacked spans may overlap (never twice the same); otherwise a new span replaces those it hits.
  const stacked = state.config.view === SPANS_VIEW;
  const same = (s) => s.token_start === first && s.token_end === last && s.label === state.label;
  if (stacked && state.current.spans.some(same)) return render();
  const spans = state.current.spans.filter((s) => stacked || s.token_end < first || s.token_start > last);
  spans.push({
    start: tokens[first].start,
    end: tokens[last].end,
    token_start: first,
    token_end: last,
    label: state.label,
  });
  spans.sort((x, y) => x.token_start - y.token_start || x.token_end - y.token_end);
  state.current.spans = spans;
  render();
}

function removeSpan(k) {
  state.current.spans.splice(k, 1);
  render();
}

// Views

function renderMeta(task) {
  const meta = el("div", "meta");
  for (const [key, value] of Object.entries(task.meta || {})) {
    if (key === "agreement" && state.config.view === "review") continue; // shown above
    const text = typeof value === "object" ? JSON.stringify(value) : value;
    meta.append(el("span", "", `${key}: ${text}`));
  }
  return meta;
}

// Tokens whose span (boundaries and label) is not the same in every version.
function differingTokens(task) {
  const versions = task.versions || [];
  const differ = new Set();
  if (versions.length < 2) return differ;
  const n = task.tokens.length;
  const keys = versions.map((version) => {
    const key = new Array(n).fill("");
    for (const s of version.spans || []) {
      const span = `${s.token_start}:${s.token_end}:${s.label}`;
      for (let j = s.token_start; j <= s.token_end && j < n; j++) key[j] = span;
    }
    return key;
  });
  for (let i = 0; i < n; i++) if (keys.some((key) => key[i] !== keys[0][i])) differ.add(i);
  return differ;
}

function renderReview(card, current) {
  const agreement = current.task.meta && current.task.meta.agreement;
  if (typeof agreement === "number") {
    const line = el("div", "agreement", `agreement ${agreement.toFixed(2)}`);
    line.title = "pairwise exact-span F1 between the sessions' versions (1 = all agree)";
    card.append(line);
  }
  const differ = differingTokens(current.task);
  const row = el("div", "versions");
  (current.task.versions || []).forEach((version, k) => {
    const box = el("div", "version");
    if ((current.accept || []).includes(k)) box.classList.add("picked");
    box.dataset.version = String(k);
    const sessions = (version.sessions || []).join(", ");
    box.append(el("div", "by", `${k + 1}. ${version.answer} by ${sessions}`));
    box.append(renderText(current.task, version.spans || [], false, differ));
    const pick = el("button", "", k < 9 ? `use this (${k + 1})` : "use this");
    pick.type = "button";
    pick.addEventListener("click", (e) => {
      e.currentTarget.blur();
      pickVersion(k);
    });
    box.append(pick);
    row.append(box);
  });
  card.append(row, el("div", "edit-title", "Answer (edit, then accept):"));
  card.append(renderText(current.task, current.spans, true, differ));
}

function render() {
  const card = $("card");
  card.replaceChildren();
  const current = state.current;
  if (!current) {
    card.append(el("p", "done", state.exhausted ? "No tasks left." : "Loading…"));
    renderHistory();
    renderProgress();
    return;
  }
  if (current.supersedes) {
    card.append(el("p", "reopened", "Reopened: a new answer replaces the earlier one."));
  }
  const view = state.config.view;
  if (view === "ner") {
    const span = current.task.spans[0] || {};
    const question = el("div", "question");
    question.append(el("strong", "", span.label || ""));
    const score = current.task.meta && current.task.meta.score;
    if (score !== undefined) question.append(el("span", "score", ` score ${score}`));
    card.append(question, renderText(current.task, current.task.spans, false));
  } else if (view === "review") {
    renderReview(card, current);
  } else if (view === SPANS_VIEW) {
    card.append(renderStacked(current.task, current.spans));
  } else {
    card.append(renderText(current.task, current.spans, true));
  }
  card.append(renderMeta(current.task));
  renderHistory();
  renderProgress();
}

function pickVersion(k) {
  const version = state.current && (state.current.task.versions || [])[k];
  if (!version) return;
  state.current.spans = (version.spans || []).map(copySpan);
  state.current.accept = [k];
  render();
}

function show(task) {
  state.current = task ? { task, spans: (task.spans || []).map(copySpan), accept: null } : null;
  render();
}

// History: this session's recent answers, unsent ones first; a click reopens one.

async function loadHistory() {
  try {
    const data = await api(`/api/history${query({ n: HISTORY_SIZE })}`);
    state.history = data.answers;
  } catch (err) {
    return; // the list stays as it was
  }
  renderHistory();
}

function historyItem(task, answerKind, unsent, open) {
  const item = el("li");
  const button = el("button", `answer-${answerKind}`);
  button.type = "button";
  const text = String(task.text || "");
  const span = (task.spans || [])[0];
  // A binary question is told apart by its span; other answers by the start of their text.
  const binary = state.config.view === "ner" && span;
  const snippet = binary ? `${text.slice(span.start, span.end)} (${span.label})` : text.slice(0, 80);
  button.append(el("span", "kind", answerKind), el("span", "snippet", snippet));
  button.title = text.slice(0, 300);
  if (unsent) {
    button.classList.add("unsent");
    button.title = `not sent yet: ${button.title}`;
  }
  if (state.current && state.current.task === task) button.setAttribute("aria-current", "true");
  button.addEventListener("click", (e) => {
    e.currentTarget.blur();
    open();
  });
  item.append(button);
  return item;
}

function renderHistory() {
  const list = $("history-list");
  list.replaceChildren();
  const pending = state.outbox.slice().reverse();
  const replaced = new Set(pending.map((i) => i.rec.supersedes).filter(Boolean));
  for (const item of pending) {
    list.append(historyItem(item.shown.task, item.rec.answer, true, () => reopenUnsent(item)));
  }
  for (const record of state.history) {
    if (replaced.has(record._answer_id)) continue;
    list.append(historyItem(record, record.answer, false, () => reopen(record)));
  }
  $("history").classList.toggle("empty", list.childElementCount === 0);
}

function putBackCurrent() {
  // The task on screen goes back to the front of the queue, unless it was itself reopened.
  if (state.current && !state.current.supersedes) state.queue.unshift(state.current.task);
}

function reopen(record) {
  putBackCurrent();
  state.current = {
    task: record,
    spans: (record.spans || []).map(copySpan),
    accept: record.accept || null,
    supersedes: record._answer_id,
  };
  setStatus("");
  render();
}

function reopenUnsent(item) {
  if (!state.outbox.includes(item) || item.sending) return;
  state.outbox.splice(state.outbox.indexOf(item), 1);
  putBackCurrent();
  state.current = item.shown;
  setStatus("");
  render();
}

// Progress

let progress = { session: 0, total: 0, left: null, texts: null, texts_read: 0 };

function renderProgress() {
  $("p-session").textContent = String(progress.session);
  $("p-total").textContent = String(progress.total);
  const bar = $("p-bar");
  let fraction = null;
  let where;
  if (progress.left !== null && progress.left !== undefined) {
    // `left` counts what the server has not handed to this session: add what the page holds,
    // and count the answers given but not yet acknowledged as done.
    const shown = state.current && !state.current.supersedes ? 1 : 0;
    const remaining = progress.left + state.queue.length + shown;
    const done = progress.total + state.outbox.filter((i) => !i.rec.supersedes).length;
    fraction = done + remaining > 0 ? done / (done + remaining) : 0;
    where = `${remaining} left`;
  } else if (progress.texts !== null && progress.texts !== undefined) {
    fraction = progress.texts > 0 ? Math.min(progress.texts_read / progress.texts, 1) : 1;
    where = `text ${progress.texts_read} of ${progress.texts}`;
  } else {
    where = "a stream: total unknown";
  }
  bar.hidden = fraction === null;
  if (fraction !== null) {
    bar.value = fraction;
    bar.title = `${Math.round(fraction * 100)}%`;
  }
  $("p-left").textContent = where;
  $("unsaved").textContent = String(state.outbox.length);
}

function updateProgress(p) {
  if (p) progress = p;
  renderProgress();
}

// The stream

// With max_ahead (a recipe that updates a model), tasks are asked for only once every answer
// given is acknowledged, so each question is scored by the latest model.
const limitedAhead = () => Boolean(state.config.max_ahead);

async function fetchTasks(fresh = false) {
  if (state.fetching) return state.fetching;
  state.fetching = (async () => {
    try {
      const n = limitedAhead() ? state.config.max_ahead : Math.max(state.config.batch_size, 2);
      const data = await api("/api/questions", { session: sessionName, n, fresh });
      const known = new Set(state.queue.map((t) => t._task_hash));
      state.outbox.forEach((item) => known.add(item.shown.task._task_hash));
      if (state.current) known.add(state.current.task._task_hash);
      const fresh_tasks = data.tasks.filter((t) => !known.has(t._task_hash));
      state.queue.push(...fresh_tasks);
      if (data.tasks.length === 0) state.exhausted = true;
      updateProgress(data.progress);
    } catch (err) {
      setStatus(`cannot load tasks (${err.message})`, true);
    } finally {
      state.fetching = null;
    }
  })();
  return state.fetching;
}

function acknowledged() {
  return new Promise((resolve) => {
    state.ackWaiters.push(resolve);
    checkAcknowledged();
  });
}

function checkAcknowledged() {
  if (state.outbox.length > 0) return;
  const waiters = state.ackWaiters;
  state.ackWaiters = [];
  waiters.forEach((resolve) => resolve());
}

async function advance() {
  if (state.queue.length === 0 && !state.exhausted) {
    render(); // "Loading…" while it waits
    if (limitedAhead()) {
      save();
      await acknowledged();
    }
    await fetchTasks();
  }
  if (state.current) return; // undone or reopened meanwhile: that one stays on screen
  show(state.queue.shift() || null);
  if (!limitedAhead() && state.queue.length < 2 && !state.exhausted) fetchTasks();
}

// Answers: each is sent after idle_submit_s without a new one, when a batch is pending, at
// once with instant_submit, or when the page is hidden; until sent it can be undone.

function answer(kind) {
  const current = state.current;
  if (!current) return;
  const rec = {
    _answer_id: newId(),
    _input_hash: current.task._input_hash,
    _task_hash: current.task._task_hash,
    answer: kind,
    spans: current.spans,
  };
  if (current.accept) rec.accept = current.accept;
  if (current.supersedes) rec.supersedes = current.supersedes;
  state.outbox.push({ rec, shown: current, sending: false });
  state.current = null;
  const unsent = state.outbox.filter((i) => !i.sending).length;
  if (state.config.instant_submit || unsent >= state.config.batch_size) save();
  else scheduleIdleSave();
  advance();
}

function scheduleIdleSave() {
  clearTimeout(state.idleTimer);
  const seconds = state.config.idle_submit_s ?? 3;
  state.idleTimer = setTimeout(save, seconds * 1000);
}

function undo() {
  const last = state.outbox.findLast((i) => !i.sending);
  if (!last) {
    setStatus("nothing to undo: the last answers are sent");
    return;
  }
  state.outbox.splice(state.outbox.indexOf(last), 1);
  putBackCurrent();
  state.current = last.shown;
  setStatus("");
  render();
  checkAcknowledged();
}

async function save(keepalive = false) {
  clearTimeout(state.idleTimer);
  const batch = state.outbox.filter((i) => !i.sending);
  if (batch.length === 0) return;
  batch.forEach((item) => (item.sending = true));
  setStatus("saving…");
  renderHistory();
  try {
    await send(batch, keepalive);
  } catch (err) {
    if (refused(err) && batch.length > 1) {
      // The batch is refused for one of its answers: send them one by one, so that only the
      // refused ones are dropped.
      const dropped = [];
      for (const item of batch) {
        try {
          await send([item], false);
        } catch (one) {
          failed(one, [item]);
          if (refused(one)) dropped.push(one.message);
        }
      }
      if (dropped.length) setStatus(`${dropped.length} answers not saved: ${dropped.join("; ")}`, true);
    } else {
      failed(err, batch);
    }
  } finally {
    renderHistory();
    renderProgress();
    checkAcknowledged();
  }
}

// 409: the task was handed to another session; 422: an answer the server cannot take.
const refused = (err) => err.status === 409 || err.status === 422;

async function send(items, keepalive) {
  const body = { session: sessionName, answers: items.map((i) => i.rec) };
  // A request that outlives the page must be small (the browser's keepalive quota is 64 KB).
  const options = keepalive && JSON.stringify(body).length < 60000 ? { keepalive: true } : {};
  const result = await api("/api/answers", body, options);
  const done = new Set([...result.saved, ...result.unknown]);
  state.outbox = state.outbox.filter((i) => !done.has(i.rec._answer_id));
  state.retry = 0;
  if (result.unknown.length) {
    setStatus(`${result.unknown.length} answers not saved: the server does not know their tasks`, true);
  } else if (result.update_error) {
    setStatus(`saved; update failed: ${result.update_error}`, true);
  } else {
    setStatus("saved");
  }
  updateProgress(result.progress);
  loadHistory();
}

function failed(err, items) {
  items.forEach((item) => (item.sending = false));
  if (refused(err)) {
    // Sending it again would be refused again: it is dropped, and the page says so.
    state.outbox = state.outbox.filter((i) => !items.includes(i));
    setStatus(`not saved: ${err.message}`, true);
  } else if (err.status && err.status < 500 && err.status !== 408 && err.status !== 429) {
    setStatus(`not saved: ${err.message}`, true);
  } else {
    state.retry += 1;
    const wait = Math.min(1000 * 2 ** Math.min(state.retry, 4), 15000);
    setStatus(`offline, retrying in ${wait / 1000}s`, true);
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(save, wait);
  }
}

// Keys and buttons

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || !state.config) return;
  const key = event.key;
  if (key === "a") answer("accept");
  else if (key === "x") answer("reject");
  else if (key === " ") answer("ignore");
  else if (key === "Backspace") undo();
  else if (/^[1-9]$/.test(key) && state.config.view === "review") pickVersion(Number(key) - 1);
  else if (/^[1-9]$/.test(key) && state.config.view !== "ner") {
    const label = state.config.labels[Number(key) - 1];
    if (label) chooseLabel(label);
  } else return;
  event.preventDefault();
});

for (const kind of ["accept", "reject", "ignore"]) {
  $(kind).addEventListener("click", (e) => {
    e.currentTarget.blur();
    answer(kind);
  });
}
$("undo").addEventListener("click", (e) => {
  e.currentTarget.blur();
  undo();
});
$("save").addEventListener("click", (e) => {
  e.currentTarget.blur();
  save();
});
// The page is going away (or hidden, which may be its last moment): send what is pending with
// a request that outlives it.
window.addEventListener("pagehide", () => save(true));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") save(true);
});

// Start

async function start() {
  try {
    state.config = await api(`/api/config${query()}`);
  } catch (err) {
    setStatus(`cannot start (${err.message})`, true);
    return;
  }
  $("dataset").textContent = state.config.dataset;
  $("recipe").textContent = state.config.recipe || state.config.view;
  $("session").textContent = state.config.session;
  const saved = savedLabel();
  state.label = state.config.labels.includes(saved) ? saved : state.config.labels[0] || null;
  renderLabels();
  updateProgress(state.config.progress);
  loadHistory();
  await fetchTasks(true);
  await advance();
  document.body.dataset.ready = "true";
}

start();
