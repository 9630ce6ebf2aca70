// The guidelines panel: the Markdown file given to `annotate --guidelines`, rendered by the
// server (raw HTML escaped, unsafe links dropped). `g` or the button opens and closes it (Esc
// closes it); while it is open the annotation keys rest. The chosen label's own section (a
// heading naming the label) is shown under the labels.

const params = new URLSearchParams(location.search);
const token = params.get("token");
const $ = (id) => document.getElementById(id);
let guidelines = null;

// Server-rendered HTML as nodes; the page's CSP would stop a script in it regardless.
function nodesOf(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  return Array.from(doc.body.childNodes, (node) => document.adoptNode(node));
}

function isOpen() {
  return !$("guidelines").hidden;
}

function toggle(open = !isOpen()) {
  if (!guidelines) return;
  $("guidelines").hidden = !open;
  $("guidelines-open").setAttribute("aria-expanded", String(open));
  document.body.classList.toggle("guidelines-open", open);
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
}

function showLabelNote() {
  const note = $("label-note");
  const pressed = $("labels").querySelector('button[aria-pressed="true"]');
  const label = pressed ? pressed.dataset.label : null;
  const html = guidelines && label ? guidelines.labels[label] : null;
  note.hidden = !html;
  if (!html) return;
  const title = document.createElement("strong");
  title.textContent = label;
  note.replaceChildren(title, ...nodesOf(html));
}

// Capture phase: runs before the page's own keys, which rest while the panel is open.
window.addEventListener(
  "keydown",
  (event) => {
    if (!guidelines || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "g" || (event.key === "Escape" && isOpen())) {
      toggle(event.key === "g" ? !isOpen() : false);
      event.preventDefault();
      event.stopPropagation();
    } else if (isOpen()) {
      event.stopPropagation();
    }
  },
  true,
);

async function start() {
  const response = await fetch("/api/guidelines", { headers: token ? { "X-Token": token } : {} });
  if (!response.ok) return; // the page says why (it asks the same server first)
  const found = await response.json();
  if (!found.html) return;
  guidelines = found;
  $("guidelines-body").replaceChildren(...nodesOf(found.html));
  $("guidelines-open").hidden = false;
  $("guidelines-open").addEventListener("click", () => toggle());
  $("guidelines-close").addEventListener("click", () => toggle(false));
  new MutationObserver(showLabelNote).observe($("labels"), {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["aria-pressed"],
  });
  showLabelNote();
  document.body.dataset.guidelines = "ready";
}

start();
