// The reader page: send the article, show each pipeline step as its event arrives, then the
// summary beside the article, with each item's evidence highlighted on request.
// No framework and no build step; the API key lives only in the key field of this page.
"use strict";

const $ = (id) => document.getElementById(id);
let lastResult = null;
let articleText = "";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function authHeaders() {
  const key = $("key").value.trim();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function loadOptions() {
  const response = await fetch("/v1/options", { headers: authHeaders() });
  if (!response.ok) {
    await showProblem(response);
    return;
  }
  hideError();
  const options = await response.json();
  fillSelect($("model"), options.models);
  fillSelect($("prompt"), options.prompt_versions);
}

function fillSelect(select, values) {
  const chosen = select.value;
  select.replaceChildren(...values.map((value) => el("option", { value }, value)));
  if (values.includes(chosen)) select.value = chosen;
}

// ---- errors ---------------------------------------------------------------------------------

function showError(title, detail) {
  $("error-title").textContent = title;
  $("error-detail").textContent = detail;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
}

function showProblemDocument(problem, retryAfter) {
  let detail = problem.detail || "";
  const wait = retryAfter ?? problem.retry_after;
  if (wait) detail += ` Try again in ${wait} s.`;
  showError(`${problem.status || ""} ${problem.title || "Error"}`.trim(), detail);
}

async function showProblem(response) {
  let problem;
  try {
    problem = await response.json();
  } catch {
    problem = { status: response.status, title: response.statusText, detail: "" };
  }
  showProblemDocument(problem, response.headers.get("Retry-After"));
}

// ---- the event stream -----------------------------------------------------------------------

async function* serverSentEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { name, data: JSON.parse(data.join("\n")) };
    }
  }
}

function showStep(event) {
  const id = `step-${event.step}`;
  let item = document.getElementById(id);
  if (!item) {
    item = el("li", { id });
    $("steps").append(item);
  }
  const seconds = (event.elapsed_ms / 1000).toFixed(1);
  item.className = event.phase === "started" ? "running" : "finished";
  item.dataset.phase = event.phase;
  item.textContent = event.phase === "started"
    ? `${event.step}: under way (started at ${seconds} s)`
    : `${event.step}: done at ${seconds} s`;
}

async function submit(event) {
  event.preventDefault();
  hideError();
  $("result").hidden = true;
  $("steps").replaceChildren();
  $("progress").hidden = false;
  $("submit").disabled = true;
  articleText = $("article").value;
  const body = { text: articleText, model: $("model").value, prompt_version: $("prompt").value };
  if ($("title").value.trim()) body.title = $("title").value.trim();
  try {
    const response = await fetch("/v1/summaries", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...authHeaders() },
      body: JSON.stringify(body),
    });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("text/event-stream")) {
      await showProblem(response);
      return;
    }
    let ended = false;
    for await (const { name, data } of serverSentEvents(response)) {
      if (name === "accepted") {
        $("steps").append(el("li", { class: "finished" },
          `accepted: ${data.provider}:${data.model}, ${data.prompt_version}`));
      }
      else if (name === "step") showStep(data);
      else if (name === "summary") showResult(data);
      else if (name === "problem") showProblemDocument(data);
      ended ||= name === "summary" || name === "problem";
    }
    if (!ended) showError("The stream ended early", "The server closed it before the summary.");
  } catch (error) {
    showError("The request failed", String(error));
  } finally {
    $("submit").disabled = false;
    $("progress").hidden = true;
  }
}

// ---- the result -----------------------------------------------------------------------------

function spansOf(evidence) {
  return (evidence || []).filter((e) => e.grounded && e.end > e.start)
    .map((e) => ({ start: e.start, end: e.end, kind: "evidence" }));
}

// Offsets count code points (Python's str), so the text is sliced as code points, not UTF-16.
function renderArticle(highlight) {
  const chars = Array.from(articleText);
  const withheld = (lastResult.meta.withheld || [])
    .map((w) => ({ start: w.start, end: w.end, kind: "withheld" }));
  const spans = [...withheld, ...highlight].sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  for (const span of spans) {
    const start = Math.max(span.start, at);
    if (span.end <= start) continue;
    parts.push(chars.slice(at, start).join(""));
    const title = span.kind === "withheld"
      ? "withheld from the model as an injected instruction" : "evidence";
    parts.push(el("mark", { class: span.kind, title }, chars.slice(start, span.end).join("")));
    at = span.end;
  }
  parts.push(chars.slice(at).join(""));
  $("text").replaceChildren(...parts);
}

function select(button, item) {
  for (const other of document.querySelectorAll(".item")) {
    other.setAttribute("aria-pressed", "false");
  }
  button.setAttribute("aria-pressed", "true");
  renderArticle(spansOf(item.evidence));
  const first = $("text").querySelector("mark.evidence");
  if (first) first.scrollIntoView({ block: "center" });
}

function itemButton(item, title, ...details) {
  const button = el("button", { type: "button", class: "item", "aria-pressed": "false" },
    el("strong", {}, title));
  for (const detail of details) if (detail) button.append(detail);
  if (!item.grounded) {
    button.classList.add("ungrounded");
    button.append(el("span", { class: "sub flag ungrounded-badge" }, "not found in the article"));
  }
  button.addEventListener("click", () => select(button, item));
  return el("li", {}, button);
}

function sub(text) {
  return text ? el("span", { class: "sub" }, text) : null;
}

function showResult(result) {
  lastResult = result;
  const { summary, meta } = result;
  $("participants").replaceChildren(...summary.participants.map((p) =>
    itemButton(p, p.name, sub([p.role, p.affiliation].filter(Boolean).join(", ")))));
  $("agreements").replaceChildren(...summary.agreements.map((a) =>
    itemButton(a, a.statement, sub((a.parties || []).join(", ")))));
  $("disagreements").replaceChildren(...summary.disagreements.map((d) =>
    itemButton(d, d.topic, el("ul", { class: "positions" },
      ...(d.positions || []).map((p) => el("li", {}, `${p.party}: ${p.position}`))))));
  for (const list of ["participants", "agreements", "disagreements"]) {
    if (!$(list).children.length) $(list).append(el("li", { class: "hint" }, "none"));
  }
  const usage = meta.usage || {};
  $("meta").textContent = [
    `${meta.provider}:${meta.model}`,
    `prompt ${meta.prompt_version}`,
    `${usage.total_tokens ?? 0} tokens (${usage.prompt_tokens ?? 0} in, ${usage.completion_tokens ?? 0} out)`,
    `${(meta.latency_ms / 1000).toFixed(1)} s`,
    `${meta.calls} model call(s)`,
    meta.cached ? "from cache" : "",
    meta.grounding ? `${meta.grounding.grounded}/${meta.grounding.quotes} quotes found` : "",
  ].filter(Boolean).join(" · ");
  renderArticle([]);
  $("result").hidden = false;
}

async function copyJson() {
  const text = JSON.stringify(lastResult, null, 2);
  try {
    await navigator.clipboard.writeText(text);
    $("copied").textContent = "Copied.";
  } catch {
    $("copied").textContent = "The browser refused the clipboard.";
  }
}

// ---- an article from a file -----------------------------------------------------------------

async function readFile(file) {
  if (file) $("article").value = await file.text();
}

document.addEventListener("DOMContentLoaded", () => {
  $("request").addEventListener("submit", submit);
  $("copy").addEventListener("click", copyJson);
  $("key").addEventListener("change", loadOptions);
  $("file").addEventListener("change", (event) => readFile(event.target.files[0]));
  $("article").addEventListener("dragover", (event) => event.preventDefault());
  $("article").addEventListener("drop", (event) => {
    event.preventDefault();
    readFile(event.dataTransfer.files[0]);
  });
  loadOptions();
});
