/*
 * The demo page: shows the chat the emulator records, the way a Telegram
 * user sees it, from the server's `state` events. Plain browser JavaScript,
 * no build step.
 *
 * Model text is only ever put into the page with textContent and DOM nodes
 * built from Telegram entities: never as HTML.
 */

const view = {
  /** The chat on screen: "private" or "group". */
  chat: "private",
  /** The latest state from the server (see PageState in chat-view.ts). */
  state: null,
  /** Bubbles on screen by key, with the content they were built from. */
  bubbles: new Map(),
  shownChat: null,
};

const $ = (id) => document.getElementById(id);

// ---- entities ------------------------------------------------------------

/** Link schemes a click may open; anything else is shown as text. */
const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

/** The element an entity is drawn with (block entities are handled by the caller). */
function entityElement(entity, text) {
  switch (entity.type) {
    case "bold":
      return document.createElement("strong");
    case "italic":
      return document.createElement("em");
    case "underline":
      return document.createElement("u");
    case "strikethrough":
      return document.createElement("s");
    case "code":
      return document.createElement("code");
    case "spoiler": {
      const span = document.createElement("span");
      span.className = "spoiler";
      span.title = "spoiler: click to reveal";
      span.addEventListener("click", () => span.classList.toggle("revealed"));
      return span;
    }
    case "pre": {
      const pre = document.createElement("pre");
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case "blockquote":
    case "expandable_blockquote":
      return document.createElement("blockquote");
    case "text_link":
    case "url":
    case "email": {
      const target = entity.type === "text_link" ? entity.url : text;
      if (typeof target !== "string") return document.createElement("span");
      const href =
        entity.type === "email"
          ? `mailto:${target}`
          : /^[a-z][\w+.-]*:/i.test(target)
            ? target
            : `https://${target}`;
      if (!SAFE_LINK.test(href)) return document.createElement("span");
      const a = document.createElement("a");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    default: {
      // mention, hashtag, cashtag, bot_command, phone_number, ...: coloured like Telegram does.
      const span = document.createElement("span");
      span.className = "entity-link";
      return span;
    }
  }
}

const BLOCKS = new Set(["pre", "blockquote", "expandable_blockquote"]);

/**
 * Nest entities into a tree. Telegram's entities nest properly; one that
 * overlaps its parent's end is clipped there, so the page never breaks.
 */
function entityTree(text, entities) {
  const root = { start: 0, end: text.length, entity: null, children: [] };
  const sorted = entities
    .filter(
      (e) =>
        Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0 && e.offset >= 0,
    )
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const stack = [root];
  for (const entity of sorted) {
    while (stack.length > 1 && entity.offset >= stack[stack.length - 1].end) stack.pop();
    const parent = stack[stack.length - 1];
    const start = Math.min(entity.offset, parent.end);
    const node = {
      start,
      end: Math.min(entity.offset + entity.length, parent.end),
      entity,
      children: [],
    };
    if (node.end <= node.start) continue;
    parent.children.push(node);
    stack.push(node);
  }
  return root;
}

/** Append the text of `node` with its children's elements to `parent`. */
function appendNode(parent, text, node) {
  let at = node.start;
  const appendText = (from, to, before, after) => {
    let piece = text.slice(from, to);
    // A quote or code block is drawn as a block: the line break next to it is the block's edge.
    if (after && BLOCKS.has(after.type) && piece.endsWith("\n")) piece = piece.slice(0, -1);
    if (before && BLOCKS.has(before.type) && piece.startsWith("\n")) piece = piece.slice(1);
    if (piece) parent.append(document.createTextNode(piece));
  };
  let previous = null;
  for (const child of node.children) {
    appendText(at, child.start, previous, child.entity);
    let element = entityElement(child.entity, text.slice(child.start, child.end));
    const holder = element;
    if (child.entity.type === "pre") {
      const code = document.createElement("code");
      element.append(code);
      element = code;
    }
    appendNode(element, text, child);
    parent.append(holder);
    at = child.end;
    previous = child.entity;
  }
  appendText(at, node.end, previous, null);
}

/** The text with its entities, as DOM nodes. */
function formattedText(text, entities) {
  const container = document.createElement("div");
  container.className = "text";
  appendNode(container, text, entityTree(text, entities || []));
  return container;
}

// ---- bubbles --------------------------------------------------------------

/** A new, empty bubble for a message or draft; {@link fillBubble} puts its content in. */
function createBubble(item, kind) {
  const bubble = document.createElement("div");
  bubble.className = kind === "draft" ? "bubble draft" : "bubble";
  bubble.dataset.from = kind === "user" ? "user" : "bot";
  if (kind === "draft") bubble.dataset.draftId = String(item.draftId);
  else bubble.dataset.id = String(item.id);
  const text = document.createElement("div");
  text.className = "text";
  const meta = document.createElement("span");
  meta.className = "meta";
  bubble.append(text, meta);
  if (kind === "draft" && item.canStop) {
    // Created once per draft: the button must not move or flicker while the text grows under it.
    const stop = document.createElement("button");
    stop.type = "button";
    stop.className = "stop";
    stop.title = "Stop generating";
    stop.setAttribute("aria-label", "Stop generating");
    stop.addEventListener("click", () =>
      post("/api/stop", { chat: view.chat, draftId: item.draftId }),
    );
    bubble.append(stop);
  }
  return bubble;
}

/** Show the item's current text and label in its bubble. */
function fillBubble(bubble, item, kind) {
  bubble.querySelector(".text").replaceWith(formattedText(item.text, item.entities));
  const meta = bubble.querySelector(".meta");
  if (kind === "draft") meta.textContent = "draft";
  else if (item.edits > 0) meta.textContent = item.edits === 1 ? "edited" : `edited ×${item.edits}`;
  else meta.textContent = "";
}

/** Update the message list with as few DOM changes as possible, keeping the scroll at the bottom. */
function renderMessages(chat) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  if (view.shownChat !== chat.key) {
    list.replaceChildren();
    view.bubbles.clear();
    view.shownChat = chat.key;
  }
  const wanted = chat.messages.map((m) => ({ key: `${m.from}:${m.id}`, item: m, kind: m.from }));
  if (chat.draft)
    wanted.push({ key: `draft:${chat.draft.draftId}`, item: chat.draft, kind: "draft" });
  const keep = new Set(wanted.map((w) => w.key));
  for (const [key, entry] of view.bubbles) {
    if (!keep.has(key)) {
      entry.element.remove();
      view.bubbles.delete(key);
    }
  }
  let previous = null;
  for (const { key, item, kind } of wanted) {
    const content = JSON.stringify([item.text, item.entities, item.edits]);
    let entry = view.bubbles.get(key);
    if (!entry) {
      entry = { element: createBubble(item, kind), content: "" };
      view.bubbles.set(key, entry);
    }
    if (entry.content !== content) {
      fillBubble(entry.element, item, kind);
      entry.content = content;
    }
    const expectedPosition = previous ? previous.nextSibling : list.firstChild;
    if (entry.element !== expectedPosition) list.insertBefore(entry.element, expectedPosition);
    previous = entry.element;
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// ---- counters and chrome ------------------------------------------------------

function seconds(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

function render() {
  const state = view.state;
  if (!state) return;
  const chat = state.chats.find((c) => c.key === view.chat) || state.chats[0];
  for (const tab of document.querySelectorAll(".tab")) {
    tab.setAttribute("aria-pressed", String(tab.dataset.chat === chat.key));
    const other = state.chats.find((c) => c.key === tab.dataset.chat);
    tab.classList.toggle("busy", Boolean(other?.replying));
  }
  $("chat-panel").dataset.replying = String(chat.replying);
  $("chat-panel").dataset.chat = chat.key;
  $("chat-title").textContent = chat.title;
  const status = $("chat-status");
  status.textContent =
    chat.draft || chat.replying ? "bot is writing…" : chat.typing ? "bot is typing…" : "bot";
  status.classList.toggle("active", Boolean(chat.draft || chat.replying || chat.typing));
  renderMessages(chat);

  $("calls").textContent = String(chat.calls.total);
  const tooMany = $("too-many");
  tooMany.textContent = String(chat.calls.tooManyRequests);
  tooMany.classList.toggle("bad", chat.calls.tooManyRequests > 0);
  $("lag-now").textContent = chat.lag ? seconds(chat.lag.behindMs) : "–";
  $("lag-mean").textContent = chat.lag ? seconds(chat.lag.meanMs) : "–";
  const methods = Object.entries(chat.calls.byMethod)
    .sort((a, b) => b[1] - a[1])
    .map(([method, n]) => `${method} ${n}`);
  $("methods").textContent =
    methods.length > 0 ? `calls by method: ${methods.join(" · ")}` : "no calls yet";
  $("scale").textContent =
    state.timeScale === 1
      ? "Telegram's real limits, real time"
      : `time runs ${Math.round(1 / state.timeScale)}× faster (timeScale ${state.timeScale})`;
}

// ---- actions -------------------------------------------------------------------

async function post(path, body) {
  $("error").textContent = "";
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) $("error").textContent = await response.text();
    return response.ok;
  } catch (error) {
    $("error").textContent = `could not reach the demo server: ${error.message}`;
    return false;
  }
}

async function send(text) {
  const trimmed = text.trim();
  if (!trimmed) return;
  if (await post("/api/send", { chat: view.chat, text: trimmed })) $("input").value = "";
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  void send($("input").value);
});
$("suggestion").addEventListener("click", () => void send($("suggestion").textContent));
for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    view.chat = tab.dataset.chat;
    render();
  });
}

const events = new EventSource("/events");
events.addEventListener("state", (event) => {
  view.state = JSON.parse(event.data);
  render();
});
events.addEventListener("error", () => {
  $("error").textContent =
    events.readyState === EventSource.CLOSED ? "the demo server has stopped" : "";
});
