// newsdesk reader. No framework, no build step: the same /v1 endpoints any client uses.
// User and article text only ever reaches the page as text nodes (never as HTML).
"use strict";

const main = document.getElementById("main");
const KEY = "newsdesk.key";
let navigated = false;

// --- building elements ----------------------------------------------------------------------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function page(title, ...children) {
  document.title = `${title} · newsdesk`;
  main.replaceChildren(h("h1", {}, title), ...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  if (navigated) main.focus({ preventScroll: true });  // a new page is announced; a fresh load starts at the top
}

function problem(message) {
  return h("p", { class: "error", role: "alert" }, message);
}

// The resource at `path`, or null after showing why it could not be read.
async function loadOrSay(path, title) {
  try {
    return await api(path);
  } catch (e) {
    page(title, problem(e.message));
    return null;
  }
}

function meta(ref) {
  return [ref.source || "unknown outlet", ref.published || "undated"].join(" · ");
}

function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch { return null; }
}

function articleHref(id, start, end) {
  const q = start === undefined ? "" : `?s=${start}&e=${end}`;
  return `#/a/${encodeURIComponent(id)}${q}`;
}

// --- talking to the API -------------------------------------------------------------------
let keyPrompt = null;

function askKey(message) {
  if (keyPrompt) return keyPrompt;
  const dialog = document.getElementById("key-dialog");
  const form = document.getElementById("key-form");
  const input = document.getElementById("key-input");
  document.getElementById("key-error").textContent = message || "";
  keyPrompt = new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY, input.value.trim());
      input.value = "";
      dialog.close();
      keyPrompt = null;
      resolve();
    };
  });
  dialog.showModal();
  input.focus();
  return keyPrompt;
}

function headers(extra) {
  const key = sessionStorage.getItem(KEY);
  return Object.assign(key ? { Authorization: `Bearer ${key}` } : {}, extra || {});
}

async function call(path, options = {}, retried = false) {
  const response = await fetch(path, { ...options, headers: headers(options.headers) });
  if (response.status === 401 && !retried) {
    await askKey(sessionStorage.getItem(KEY) ? "That key was refused: try again." : "");
    return call(path, options, true);
  }
  return response;
}

async function api(path, options = {}) {
  const response = await call(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function postJson(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

// Server-Sent Events over fetch (EventSource cannot send the key): calls onEvent(name, data).
async function stream(path, body, onEvent) {
  const response = await call(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                      body: JSON.stringify(body) });
  if (!response.ok) {
    const err = await response.json().catch(() => ({}));
    throw new Error(err.error || `${response.status} ${response.statusText}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      onEvent(name, data ? JSON.parse(data) : null);
    }
  }
}

// --- answers with linked citations ---------------------------------------------------------
function linkedText(text, citations) {
  const byId = new Map((citations || []).map((c) => [c.id, c]));
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    out.push(text.slice(last, m.index));
    const c = byId.get(Number(m[1]));
    out.push(c ? h("a", { class: "cite", href: articleHref(c.article_id, c.start, c.end),
                          "aria-label": `source ${c.id}: ${c.title}` }, `[${c.id}]`) : m[0]);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function sourcesList(citations) {
  if (!citations || !citations.length) return null;
  return h("ol", { class: "sources", "aria-label": "Sources" }, citations.map((c) =>
    h("li", { value: c.id },
      h("a", { href: articleHref(c.article_id, c.start, c.end) }, c.title || c.article_id),
      h("span", { class: "meta" }, ` — ${meta(c)}`),
      h("div", { class: "quote" }, `“${c.quote}”`))));
}

function renderAnswer(box, answer) {
  const parts = [h("p", {}, linkedText(answer.answer, answer.citations))];
  for (const c of answer.conflicts || []) {
    parts.push(h("p", { class: "conflict-note" }, `Sources differ on ${c.about}.`));
  }
  parts.push(sourcesList(answer.citations));
  if ((answer.unsupported_sentences || []).length) {
    parts.push(h("details", {}, h("summary", {}, `${answer.unsupported_sentences.length} sentence(s) removed: no source supports them`),
      h("ul", {}, answer.unsupported_sentences.map((s) => h("li", { class: "muted" }, s)))));
  }
  box.replaceChildren(...parts.filter(Boolean));
}

// --- pages -------------------------------------------------------------------------------------
function turnView(question) {
  const answer = h("div", { class: "answer", "aria-live": "polite" });
  const view = h("section", { class: "turn", "aria-label": `Question: ${question}` },
    h("p", { class: "q" }, question), answer);
  return { view, answer };
}

async function askPage(sessionId) {
  const turns = h("div", { id: "turns" });
  const question = h("textarea", { id: "question", name: "question", required: true, maxlength: "2000",
                                   placeholder: "e.g. Who met Vladimir Putin on Friday?" });
  const source = h("input", { id: "f-source", type: "text", list: "sources", autocomplete: "off" });
  const since = h("input", { id: "f-since", type: "date" });
  const until = h("input", { id: "f-until", type: "date" });
  const button = h("button", { type: "submit" }, sessionId ? "Ask a follow-up" : "Ask");
  const status = h("p", { class: "muted", role: "status" });
  const outlets = h("datalist", { id: "sources" });
  const form = h("form", { "aria-label": "Ask a question" },
    h("label", { for: "question" }, sessionId ? "Follow-up question" : "Question"), question,
    h("fieldset", { class: "row" }, h("legend", {}, "Only these articles (optional)"),
      h("div", {}, h("label", { for: "f-source" }, "Outlet"), source, outlets),
      h("div", {}, h("label", { for: "f-since" }, "From"), since),
      h("div", {}, h("label", { for: "f-until" }, "Until"), until)),
    h("p", { class: "row" }, button,
      sessionId ? h("a", { href: "#/", class: "secondary" }, "New conversation") : null),
    status);
  page(sessionId ? "Conversation" : "Ask the news", turns, form);
  api("/v1/articles").then((list) => {
    for (const s of [...new Set(list.map((a) => a.source).filter(Boolean))].sort()) outlets.append(h("option", { value: s }));
  }).catch(() => {});
  if (sessionId) {
    try {
      const past = await api(`/v1/chat/${encodeURIComponent(sessionId)}`);
      for (let i = 0; i < past.turns.length; i += 2) {
        const t = turnView(past.turns[i].content);
        const reply = past.turns[i + 1];
        if (reply && reply.data) renderAnswer(t.answer, reply.data);
        else if (reply) t.answer.append(reply.content);
        turns.append(t.view);
      }
    } catch (e) {
      turns.append(h("p", { class: "error", role: "alert" },
        `This conversation cannot be opened (${e.message}). It may belong to another key or have expired.`));
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) return;
    const filters = {};
    if (source.value.trim()) filters.source = source.value.trim();
    if (since.value) filters.since = since.value;
    if (until.value) filters.until = until.value;
    const t = turnView(text);
    turns.append(t.view);
    const waiting = h("p", { class: "muted spinner" }, "Reading the sources and checking each sentence");
    t.answer.append(waiting);
    button.disabled = true;
    status.textContent = "Answering…";
    const shown = h("p", {});
    try {
      await stream("/v1/chat", { message: text, session_id: sessionId || undefined, stream: true,
                                 filters: Object.keys(filters).length ? filters : undefined }, (name, data) => {
        if (name === "meta" && !sessionId) {
          sessionId = data.session_id;
          history.replaceState(null, "", `#/c/${sessionId}`);
        } else if (name === "sentence") {
          if (waiting.isConnected) t.answer.replaceChildren(shown);
          shown.append(data.text + " ");
        } else if (name === "final") {
          renderAnswer(t.answer, data.answer);
        } else if (name === "error") {
          t.answer.replaceChildren(problem(data.error));
        }
      });
      question.value = "";
      status.textContent = "Answered.";
    } catch (e) {
      t.answer.replaceChildren(problem(e.message));
      status.textContent = "";
    } finally {
      button.disabled = false;
      button.textContent = "Ask a follow-up";
    }
  });
}

function splitAt(text, start, end) {
  // Offsets count Unicode code points (Python's str); JavaScript strings count UTF-16 units.
  const cps = Array.from(text);
  return [cps.slice(0, start).join(""), cps.slice(start, end).join(""), cps.slice(end).join("")];
}

async function articlePage(id, params) {
  const art = await loadOrSay(`/v1/articles/${encodeURIComponent(id)}`, "Article not found");
  if (!art) return;
  const start = Number(params.get("s")), end = Number(params.get("e"));
  const body = h("div", { class: "article-text" });
  let mark = null;
  if (params.has("s") && end > start) {
    const [before, quote, after] = splitAt(art.text, start, end);
    mark = h("mark", { tabindex: "-1", id: "quote" }, quote);
    body.append(before, mark, after);
  } else {
    body.append(art.text);
  }
  const url = safeUrl(art.url);
  const stories = h("ul", { class: "plain", "aria-label": "Stories with this article" });
  page(art.title || art.id,
    h("p", { class: "meta" }, meta(art), art.author ? ` · ${art.author}` : "",
      url ? [" · ", h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "original article")] : ""),
    mark ? h("p", {}, h("a", { href: "#quote" }, "Go to the cited passage")) : null,
    body, h("h2", {}, "Stories with this article"), stories);
  if (mark) {
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  }
  try {
    const all = await api("/v1/stories");
    const mine = all.filter((s) => s.articles.some((a) => a.id === id));
    if (!mine.length) stories.append(h("li", { class: "muted" }, "None: no other outlet reported it."));
    for (const s of mine) stories.append(h("li", {}, h("a", { href: `#/s/${encodeURIComponent(s.id)}` }, s.title),
      h("span", { class: "meta" }, ` — ${s.articles.length} articles, ${s.conflicts} conflicts`)));
  } catch (e) {
    stories.append(h("li", { class: "error" }, e.message));
  }
}

async function storiesPage() {
  page("Stories", h("p", { class: "muted", role: "status" }, "Loading…"));
  const list = await loadOrSay("/v1/stories", "Stories");
  if (!list) return;
  page("Stories",
    h("p", { class: "muted" }, `${list.length} ${list.length === 1 ? "story" : "stories"}. A story is one event `
      + "reported by one or more outlets."),
    h("ul", { class: "plain" }, list.map((s) => h("li", {},
      h("a", { href: `#/s/${encodeURIComponent(s.id)}` }, s.title),
      h("div", { class: "meta" }, `${s.articles.length} article${s.articles.length === 1 ? "" : "s"} · `,
        s.conflicts ? h("strong", {}, `${s.conflicts} conflict${s.conflicts === 1 ? "" : "s"}`) : "no conflicts",
        ` · ${[...new Set(s.articles.map((a) => a.source).filter(Boolean))].join(", ")}`)))));
}

function conflictView(c) {
  const label = c.relation === "update" ? "update" : "disagreement";
  return h("section", { class: "conflict", "aria-label": `Conflict: ${c.about}` },
    h("h3", {}, h("span", { class: `kind ${label}` }, label), " ", c.about),
    h("div", { class: "sides" }, c.versions.map((v) => h("figure", {},
      h("blockquote", {}, v.text),
      h("figcaption", { class: "meta" }, `${meta(v)} · `,
        h("a", { href: articleHref(v.article_id, v.start, v.end) }, "read it in the article"))))));
}

async function storyPage(id) {
  const story = await loadOrSay(`/v1/stories/${encodeURIComponent(id)}`, "Story not found");
  if (!story) return;
  const summary = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button", class: "secondary" }, "Summarise this story");
  button.addEventListener("click", async () => {
    button.disabled = true;
    summary.replaceChildren(h("p", { class: "muted spinner" }, "Summarising and checking each sentence"));
    try {
      const s = await postJson("/v1/summaries", { story_id: id });
      const sentences = s.sentences.filter((x) => x.supported);
      summary.replaceChildren(
        sentences.length ? h("p", {}, sentences.map((x) => [linkedText(x.text, s.citations), " "]))
          : h("p", { class: "muted" }, "No sentence of the summary could be checked against the articles."),
        sourcesList(s.citations) || "");
    } catch (e) {
      summary.replaceChildren(problem(e.message));
    } finally {
      button.disabled = false;
    }
  });
  const details = story.conflict_details || [];
  page(story.title,
    h("h2", {}, `${story.articles.length} articles`),
    h("ul", { class: "plain" }, story.articles.map((a) => h("li", {},
      h("a", { href: articleHref(a.id) }, a.title), h("div", { class: "meta" }, meta(a))))),
    h("h2", {}, "Summary"), button, summary,
    h("h2", {}, details.length ? `Where the outlets differ (${details.length})` : "Where the outlets differ"),
    details.length ? details.map(conflictView) : h("p", { class: "muted" }, "They agree on every fact compared."));
}

async function articlesPage() {
  const list = h("ul", { class: "plain", id: "article-list", "aria-label": "Articles" });
  const results = h("div", { "aria-live": "polite", id: "upload-result" });
  const files = h("input", { id: "files", type: "file", multiple: true,
                             accept: ".txt,.md,.html,.htm,.json,.jsonl,text/*,application/json" });
  const drop = h("div", { class: "drop" },
    h("label", { for: "files" }, "Add articles: drop files here, or choose them"), files,
    h("p", { class: "muted" }, "Text, Markdown, HTML, JSON or JSONL. The same rules as `newsdesk ingest`."));
  const query = h("input", { id: "search", type: "search", class: "grow" });
  const hits = h("div", { "aria-live": "polite" });
  const searchForm = h("form", { class: "row", role: "search" },
    h("div", { class: "grow" }, h("label", { for: "search" }, "Search the articles"), query),
    h("button", { type: "submit" }, "Search"));

  async function refresh() {
    const articles = await api("/v1/articles");
    list.replaceChildren(...articles.map((a) => h("li", {},
      h("a", { href: articleHref(a.id) }, a.title || a.id),
      h("div", { class: "meta" }, `${meta(a)} · ${a.chunks} chunks · `,
        h("button", { type: "button", class: "danger", "aria-label": `Delete ${a.title || a.id}`,
                      onclick: async () => {
                        if (!confirm(`Delete “${a.title || a.id}”?`)) return;
                        try { await api(`/v1/articles/${encodeURIComponent(a.id)}`, { method: "DELETE" }); }
                        catch (e) { results.replaceChildren(problem(e.message)); }
                        refresh();
                      } }, "Delete")))));
    if (!articles.length) list.append(h("li", { class: "muted" }, "No articles yet."));
  }

  async function upload(chosen) {
    if (!chosen.length) return;
    const form = new FormData();
    for (const f of chosen) form.append("file", f, f.name);
    results.replaceChildren(h("p", { class: "muted spinner" }, `Adding ${chosen.length} file(s)`));
    try {
      const r = await api("/v1/articles", { method: "POST", body: form });
      const lines = [];
      for (const what of ["added", "updated", "unchanged", "duplicate"]) {
        if (r[what].length) lines.push(h("li", {}, `${r[what].length} ${what}`));
      }
      for (const f of r.failed) lines.push(h("li", { class: "error" }, `${f.where}: ${f.reason}`));
      results.replaceChildren(h("ul", {}, lines));
    } catch (e) {
      results.replaceChildren(problem(e.message));
    }
    files.value = "";
    refresh();
  }

  files.addEventListener("change", () => upload([...files.files]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload([...e.dataTransfer.files]); });
  searchForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!query.value.trim()) return;
    try {
      const found = await postJson("/v1/search", { query: query.value.trim(), k: 8 });
      hits.replaceChildren(h("h2", {}, `${found.length} passages`), h("ul", { class: "plain" }, found.map((x) => h("li", {},
        h("a", { href: articleHref(x.article_id, x.start, x.end) }, x.title), h("div", { class: "meta" }, meta(x)),
        h("div", { class: "quote" }, x.text)))));
    } catch (err) {
      hits.replaceChildren(problem(err.message));
    }
  });
  page("Articles", drop, results, searchForm, hits, h("h2", {}, "All articles"), list);
  try { await refresh(); } catch (e) { list.replaceChildren(h("li", { class: "error" }, e.message)); }
}

// --- routing -----------------------------------------------------------------------------------
function route() {
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const section = { s: "stories", stories: "stories", a: "articles", articles: "articles" }[parts[0]] || "ask";
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (parts[0] === "c" && parts[1]) return askPage(parts[1]);
  if (parts[0] === "a" && parts[1]) return articlePage(parts[1], params);
  if (parts[0] === "stories") return storiesPage();
  if (parts[0] === "s" && parts[1]) return storyPage(parts[1]);
  if (parts[0] === "articles") return articlesPage();
  return askPage(null);
}

window.addEventListener("hashchange", () => { navigated = true; route(); });
route();
