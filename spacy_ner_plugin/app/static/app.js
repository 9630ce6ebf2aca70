// The annotation page: fetches tasks, shows them in the recipe's view, and saves answers.
// Every text, label and meta value reaches the page through textContent, never as HTML.

const params = new URLSearchParams(location.search);
const sessionName = params.get("session");
const token = params.get("token");
const headers = { "Content-Type": "application/json" };
if (token) headers["X-Token"] = token;

const state = {
  config: null,
  queue: [], // tasks fetched, not yet shown
  current: null, // { task, spans, accept }
  outbox: [], // answers not yet saved: { rec, task, shown }
  exhausted: false,
  fetching: null,
  saving: false,
  label: null,
  anchor: null,
  hover: null,
  retry: 0,
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

// Labels

function labelClass(label) {
  const i = state.config.labels.indexOf(label);
  return i >= 0 ? `l${i % 8}` : "lx";
}

function renderLabels() {
  const nav = $("labels");
  nav.replaceChildren();
  if (state.config.view === "ner") return;
  state.config.labels.forEach((label, i) => {
    const button = el("button", labelClass(label), i < 9 ? `${i + 1} ${label}` : label);
    button.type = "button";
    button.dataset.label = label;
    button.setAttribute("aria-pressed", String(label === state.label));
    button.addEventListener("click", () => chooseLabel(label));
    nav.append(button);
  });
}

function chooseLabel(label) {
  state.label = label;
  renderLabels();
}

// Text with spans

const isSpace = (token) => token.text.trim() === "";

function renderText(task, spans, editable) {
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
        mark.append(tokenNode(tokens[j], j));
        if (j < span.token_end && tokens[j].ws) mark.append(" ");
      }
      const chip = el("span", "label", span.label);
      if (editable) chip.title = "remove";
      chip.dataset.remove = String(k);
      mark.append(chip);
      box.append(mark);
      if (tokens[span.token_end] && tokens[span.token_end].ws) box.append(" ");
      i = Math.max(span.token_end + 1, i + 1);
    } else {
      box.append(tokenNode(tokens[i], i));
      if (tokens[i].ws) box.append(" ");
      i += 1;
    }
  }
  if (editable) attachEditing(box);
  return box;
}

function tokenNode(token, i) {
  const space = isSpace(token);
  const node = el("span", space ? "tok ws" : "tok", token.text);
  if (space && token.text.includes("\n")) node.classList.add("nl");
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
    const chip = event.target.closest ? event.target.closest("[data-remove]") : null;
    if (chip) removeSpan(Number(chip.dataset.remove));
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
  if (focus === null) return render();
  if (focus !== anchor) return addSpan(Math.min(anchor, focus), Math.max(anchor, focus));
  // A click on a token of a span removes the span; a double-click on any token labels it.
  const k = state.current.spans.findIndex((s) => s.token_start <= focus && focus <= s.token_end);
  if (k >= 0) removeSpan(k);
});

function addSpan(first, last) {
  const tokens = state.current.task.tokens;
  // A span never starts or ends on whitespace.
  while (first <= last && isSpace(tokens[first])) first += 1;
  while (last >= first && isSpace(tokens[last])) last -= 1;
  if (first > last || !state.label) return render();
  const spans = state.current.spans.filter((s) => s.token_end < first || s.token_start > last);
  spans.push({
    start: tokens[first].start,
    end: tokens[last].end,
    token_start: first,
    token_end: last,
    label: state.label,
  });
  spans.sort((x, y) => x.token_start - y.token_start);
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
    const text = typeof value === "object" ? JSON.stringify(value) : value;
    meta.append(el("span", "", `${key}: ${text}`));
  }
  return meta;
}

function render() {
  const card = $("card");
  card.replaceChildren();
  const current = state.current;
  if (!current) {
    card.append(el("p", "done", state.exhausted ? "No tasks left." : "Loading…"));
    return;
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
    const row = el("div", "versions");
    (current.task.versions || []).forEach((version, k) => {
      const box = el("div", "version");
      if ((current.accept || []).includes(k)) box.classList.add("picked");
      box.dataset.version = String(k);
      const sessions = (version.sessions || []).join(", ");
      box.append(el("div", "by", `${k + 1}. ${version.answer} by ${sessions}`));
      box.append(renderText(current.task, version.spans || [], false));
      const pick = el("button", "", "use this");
      pick.type = "button";
      pick.addEventListener("click", () => pickVersion(k));
      box.append(pick);
      row.append(box);
    });
    card.append(row, el("div", "edit-title", "Answer (edit, then accept):"));
    card.append(renderText(current.task, current.spans, true));
  } else {
    card.append(renderText(current.task, current.spans, true));
  }
  card.append(renderMeta(current.task));
  renderProgress();
}

function pickVersion(k) {
  const version = state.current.task.versions[k];
  state.current.spans = (version.spans || []).map((s) => ({ ...s }));
  state.current.accept = [k];
  render();
}

function show(task) {
  if (!task) {
    state.current = null;
  } else {
    const spans = (task.spans || []).map((s) => {
      const { start, end, token_start, token_end, label } = s;
      return { start, end, token_start, token_end, label };
    });
    state.current = { task, spans, accept: null };
  }
  render();
}

// Progress

let progress = { session: 0, total: 0, left: null };

function renderProgress() {
  $("p-session").textContent = String(progress.session);
  $("p-total").textContent = String(progress.total);
  $("p-left").textContent = progress.left === null ? "?" : String(progress.left);
  $("unsaved").textContent = String(state.outbox.length);
}

function updateProgress(p) {
  if (p) progress = p;
  renderProgress();
}

// The stream

async function fetchTasks(fresh = false) {
  if (state.fetching) return state.fetching;
  state.fetching = (async () => {
    try {
      const n = Math.max(state.config.batch_size, 2);
      const data = await api("/api/questions", { session: sessionName, n, fresh });
      const known = new Set(state.queue.map((t) => t._task_hash));
      state.outbox.forEach((item) => known.add(item.task._task_hash));
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

async function advance() {
  if (state.queue.length === 0 && !state.exhausted) await fetchTasks();
  show(state.queue.shift() || null);
  if (state.queue.length < 2 && !state.exhausted) fetchTasks();
}

// Answers

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
  state.outbox.push({ rec, task: current.task, shown: current });
  state.current = null;
  renderProgress();
  if (state.outbox.length >= state.config.batch_size) save();
  advance();
}

function undo() {
  const last = state.outbox.findLast((i) => !i.sending && !i.sent);
  if (!last) {
    setStatus("nothing to undo: the last answers are saved");
    return;
  }
  state.outbox.splice(state.outbox.indexOf(last), 1);
  if (state.current) state.queue.unshift(state.current.task);
  state.current = last.shown;
  setStatus("");
  render();
}

async function save() {
  if (state.saving || state.outbox.length === 0) return;
  state.saving = true;
  const batch = state.outbox.slice();
  batch.forEach((item) => (item.sending = true));
  setStatus("saving…");
  try {
    let result = await api("/api/answers", { session: sessionName, answers: batch.map((i) => i.rec) });
    let saved = new Set(result.saved);
    if (result.unknown.length) {
      // The app was restarted since it handed these out: send the tasks themselves.
      const again = batch.filter((i) => result.unknown.includes(i.rec._answer_id));
      const answers = again.map((i) => ({ ...i.rec, task: i.task }));
      const second = await api("/api/answers", { session: sessionName, answers });
      second.saved.forEach((id) => saved.add(id));
      result = second;
    }
    state.outbox = state.outbox.filter((i) => !saved.has(i.rec._answer_id));
    state.retry = 0;
    setStatus(result.update_error ? `saved; update failed: ${result.update_error}` : "saved", !!result.update_error);
    updateProgress(result.progress);
  } catch (err) {
    batch.forEach((item) => (item.sending = false));
    if (err.status && err.status < 500 && err.status !== 408 && err.status !== 429) {
      setStatus(`not saved: ${err.message}`, true);
    } else {
      state.retry += 1;
      const wait = Math.min(1000 * 2 ** Math.min(state.retry, 4), 15000);
      setStatus(`offline, retrying in ${wait / 1000}s`, true);
      setTimeout(save, wait);
    }
  } finally {
    state.saving = false;
    renderProgress();
  }
}

function saveOnLeave() {
  // The page is going away: send what is unsaved with a request that outlives it.
  const pending = state.outbox.filter((i) => !i.sending);
  if (pending.length === 0) return;
  pending.forEach((i) => (i.sent = true)); // on their way: no longer undoable
  fetch("/api/answers", {
    method: "POST",
    headers,
    keepalive: true,
    body: JSON.stringify({ session: sessionName, answers: pending.map((i) => i.rec) }),
  }).catch(() => {});
}

// Keys and buttons

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  if (key === "a") answer("accept");
  else if (key === "x") answer("reject");
  else if (key === " ") answer("ignore");
  else if (key === "Backspace") undo();
  else if (/^[1-9]$/.test(key) && state.config && state.config.view !== "ner") {
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
window.addEventListener("pagehide", saveOnLeave);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") saveOnLeave();
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
  state.label = state.config.labels[0] || null;
  renderLabels();
  updateProgress(state.config.progress);
  await fetchTasks(true);
  await advance();
  document.body.dataset.ready = "true";
}

start();
