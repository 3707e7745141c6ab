// The patients' chat widget: connects the page's chat markup to the Rasa server's socket.io
// channel (channels/webchat.py). Every word it shows comes from the page (content/web.yml) or from
// the assistant. Bot and user text are inserted as text nodes, never as HTML; the only formatting
// is **bold**, "- " lists, paragraphs and http(s) links, each built with createElement.
import { io } from "socket.io-client";

const STORE_KEY = "bones-chat";
const LINK_OR_BOLD = /\*\*(.+?)\*\*|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)'])/g;
const LIST_ITEM = /^\s*[-*\u2022]\s+/;

function readConfig() {
  const node = document.getElementById("bones-chat-config");
  return JSON.parse(node.textContent);
}

function loadState() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
    if (saved && Array.isArray(saved.transcript)) return saved;
  } catch (e) {
    /* a damaged entry starts a new conversation */
  }
  return { session: null, transcript: [] };
}

function saveState(state) {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
  } catch (e) {
    /* storage full or disabled: the conversation still works, a reload just starts afresh */
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Inline formatting: **bold** and http(s) links; everything else is a text node.
function appendInline(parent, text, texts) {
  let last = 0;
  for (const match of text.matchAll(LINK_OR_BOLD)) {
    parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    if (match[1] !== undefined) {
      parent.appendChild(el("strong", "", match[1]));
    } else {
      const link = el("a", "", match[2]);
      link.href = match[2];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.appendChild(el("span", "visually-hidden", " " + texts.new_tab));
      parent.appendChild(link);
    }
    last = match.index + match[0].length;
  }
  parent.appendChild(document.createTextNode(text.slice(last)));
}

// "Where this comes from" under one paragraph: a native <details> disclosure (keyboard and
// screen-reader accessible without script), one line a source, filled from content/web.yml.
function whereFrom(sources, texts) {
  const box = el("details", "where-from");
  box.appendChild(el("summary", "", texts.where_from));
  const list = el("ul");
  for (const source of sources) {
    const item = el("li");
    const line = String(texts.where_from_item || "{citation}")
      .replace("{citation}", source.citation || "")
      .replace("{section}", source.section || "")
      .replace("{dated}", source.dated || "");
    appendInline(item, source.url ? `${line} ${source.url}` : line, texts);
    list.appendChild(item);
  }
  box.appendChild(list);
  return box;
}

// Paragraphs (blank lines), lists ("- " lines) and line breaks. ``whereFromBlocks`` (optional):
// for each block, the sources it comes from; a block with sources gets a disclosure after it.
function appendRich(parent, text, texts, whereFromBlocks) {
  let index = -1;
  for (const block of String(text).split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((line) => line.trim() !== "");
    if (!lines.length) continue;
    index += 1;
    if (lines.every((line) => LIST_ITEM.test(line))) {
      const list = el("ul");
      for (const line of lines) {
        const item = el("li");
        appendInline(item, line.replace(LIST_ITEM, ""), texts);
        list.appendChild(item);
      }
      parent.appendChild(list);
    } else {
      const para = el("p");
      lines.forEach((line, i) => {
        if (i) para.appendChild(el("br"));
        appendInline(para, line, texts);
      });
      parent.appendChild(para);
    }
    const sources = Array.isArray(whereFromBlocks) ? whereFromBlocks[index] : null;
    if (Array.isArray(sources) && sources.length) parent.appendChild(whereFrom(sources, texts));
  }
}

// A topic or follow-up answer sent as one message with its parts apart (actions/reply.py,
// ``custom.answer``): the body with "Where this comes from" under its paragraphs, the sources (a
// line each, with its link), when it was written and whether a clinician has checked it, what it
// does not cover, and the helpline offer (its buttons follow, as for any message). Each part
// carries its domain.yml response name as ``data-kind``.
function isAnswer(answer) {
  return Boolean(answer) && typeof answer === "object" && typeof answer.body === "string";
}

function partText(parent, tag, className, part, texts) {
  if (!part || typeof part.text !== "string" || !part.text.trim()) return;
  const node = el(tag, className);
  if (part.response) node.dataset.kind = String(part.response);
  appendRich(node, part.text, texts);
  parent.appendChild(node);
}

function appendAnswer(parent, answer, texts, whereFromBlocks) {
  if (answer.body.trim()) {
    const body = el("div", "answer-body");
    appendRich(body, answer.body, texts, whereFromBlocks);
    parent.appendChild(body);
  }
  const sources = (Array.isArray(answer.sources) ? answer.sources : []).filter(
    (s) => s && typeof s.text === "string" && s.text.trim(),
  );
  const reviewed = typeof answer.reviewed_line === "string" ? answer.reviewed_line.trim() : "";
  if (sources.length || reviewed) {
    const about = el("div", "answer-about");
    if (sources.length) {
      const list = el("ul", "answer-sources");
      for (const source of sources) {
        const item = el("li");
        if (source.response) item.dataset.kind = String(source.response);
        appendInline(item, source.text, texts);
        list.appendChild(item);
      }
      about.appendChild(list);
    }
    partText(about, "div", "answer-reviewed", { response: answer.reviewed_response, text: reviewed }, texts);
    parent.appendChild(about);
  }
  for (const gap of Array.isArray(answer.gaps) ? answer.gaps : []) partText(parent, "div", "answer-gap", gap, texts);
  partText(parent, "div", "answer-offer", answer.offer, texts);
}

class ChatWidget {
  constructor(config) {
    this.config = config;
    this.texts = config.text;
    this.log = document.getElementById("chat-log");
    this.form = document.getElementById("chat-form");
    this.input = document.getElementById("chat-input");
    this.status = document.getElementById("chat-status");
    this.newButton = document.getElementById("chat-new");
    this.state = loadState();
    this.queue = [];
    this.confirmed = false;
  }

  start() {
    this.state.transcript.forEach((entry, index) => this.render(entry, index));
    this.scrollToEnd();
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendTyped();
      }
    });
    this.newButton.addEventListener("click", () => this.startAgain());
    this.connect();
  }

  connect() {
    this.setStatus(this.texts.connecting);
    this.socket = io(this.config.server, {
      path: this.config.path || "/socket.io",
      transports: ["websocket", "polling"],
    });
    this.socket.on("connect", () => {
      this.confirmed = false;
      this.socket.emit("session_request", this.state.session || {});
    });
    this.socket.on("session_confirm", (session) => this.confirm(session));
    this.socket.on("bot_uttered", (message) => this.receive(message));
    this.socket.on("disconnect", () => this.setStatus(this.texts.disconnected));
    this.socket.on("connect_error", () => this.setStatus(this.texts.disconnected));
  }

  confirm(session) {
    if (!session || typeof session.session_id !== "string") return;
    const replaced = this.state.session && this.state.session.session_id !== session.session_id;
    if (replaced && this.state.transcript.length) {
      // The server started a new conversation (the old one could not be verified or had expired):
      // clear the old one, but keep what the person typed while waiting (it is sent next).
      this.state.transcript = [];
      this.log.replaceChildren();
      this.queue.forEach((message) => this.add({ from: "user", text: message }));
    }
    this.state.session = { session_id: session.session_id, token: session.token };
    saveState(this.state);
    this.confirmed = true;
    this.setStatus("");
    while (this.queue.length) this.emitMessage(this.queue.shift());
  }

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.send(text, text);
  }

  send(shown, message) {
    this.add({ from: "user", text: shown });
    this.setStatus(this.texts.thinking);
    if (this.confirmed) this.emitMessage(message);
    else this.queue.push(message);
  }

  emitMessage(message) {
    this.socket.emit("user_uttered", { message, session_id: this.state.session.session_id });
  }

  receive(message) {
    if (!message || (typeof message.text !== "string" && !message.buttons)) return;
    this.setStatus("");
    const custom = message.custom && typeof message.custom === "object" ? message.custom : {};
    const answer = isAnswer(custom.answer) ? custom.answer : null;
    this.add({
      from: "bot",
      text: message.text || "",
      kind: message.kind || (answer ? "answer" : ""),
      buttons: Array.isArray(message.buttons) ? message.buttons : [],
      topic: custom.topic || "",
      whereFrom: (Array.isArray(custom.where_from) && custom.where_from) || null,
      answer,
    });
  }

  add(entry) {
    this.state.transcript.push(entry);
    saveState(this.state);
    this.render(entry, this.state.transcript.length - 1);
    this.scrollToEnd();
  }

  render(entry, index) {
    const item = el("div", `msg msg-${entry.from === "user" ? "user" : "bot"}`);
    if (entry.kind) item.dataset.kind = entry.kind;
    const who = entry.from === "user" ? this.texts.you_said : this.texts.bot_said;
    item.appendChild(el("span", "visually-hidden", who + " "));
    const body = el("div", "msg-body");
    if (entry.from === "user") body.appendChild(el("p", "", entry.text));
    else if (isAnswer(entry.answer)) appendAnswer(body, entry.answer, this.texts, entry.whereFrom);
    // no parts, or every part empty: the plain text (never an empty bubble)
    if (entry.from !== "user" && !body.childNodes.length) appendRich(body, entry.text, this.texts, entry.whereFrom);
    item.appendChild(body);
    if (entry.buttons && entry.buttons.length && !entry.chosen) {
      item.appendChild(this.renderButtons(entry, index));
    }
    if (entry.topic) item.appendChild(this.renderFeedback(entry, index));
    this.log.appendChild(item);
  }

  renderButtons(entry, index) {
    const group = el("div", "choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", this.texts.choices);
    for (const button of entry.buttons) {
      const control = el("button", "choice", String(button.title || ""));
      control.type = "button";
      control.addEventListener("click", () => {
        this.state.transcript[index].chosen = true;
        group.remove();
        this.send(String(button.title || ""), String(button.payload || button.title || ""));
        this.input.focus();
      });
      group.appendChild(control);
    }
    return group;
  }

  renderFeedback(entry, index) {
    const box = el("div", "feedback");
    if (entry.feedback) {
      box.appendChild(el("p", "", this.texts.helpful_thanks));
      return box;
    }
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", this.texts.helpful_question);
    box.appendChild(el("span", "feedback-question", this.texts.helpful_question));
    for (const [helpful, label] of [[true, this.texts.helpful_yes], [false, this.texts.helpful_no]]) {
      const control = el("button", "feedback-answer", label);
      control.type = "button";
      control.addEventListener("click", () => {
        this.socket.emit("feedback", { topic: entry.topic, helpful });
        this.state.transcript[index].feedback = helpful ? "yes" : "no";
        saveState(this.state);
        box.replaceChildren(el("p", "", this.texts.helpful_thanks));
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        this.input.focus();
      });
      box.appendChild(control);
    }
    return box;
  }

  startAgain() {
    this.state = { session: null, transcript: [] };
    saveState(this.state);
    this.log.replaceChildren();
    this.queue = [];
    this.confirmed = false;
    this.socket.emit("session_request", {});
    this.input.focus();
  }

  setStatus(text) {
    this.status.textContent = text || "";
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const widget = new ChatWidget(readConfig());
  window.bonesChat = widget;
  widget.start();
});
