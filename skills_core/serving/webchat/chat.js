// The Skills web chat page. Plain JavaScript, no dependencies, no build step.
// Every text from the user or the server is put in the page with textContent, never as markup.
"use strict";

(() => {
  const TOKEN_KEY = "skills.webchat.token";
  const API = { chat: "../chat", sessions: "../sessions/", config: "config.json" };

  const $ = (id) => document.getElementById(id);
  const ui = {
    sessionId: $("session-id"),
    reset: $("reset"),
    toggleDebug: $("toggle-debug"),
    tokenForm: $("token-form"),
    token: $("token"),
    tokenNote: $("token-note"),
    messages: $("messages"),
    error: $("error"),
    composer: $("composer"),
    text: $("text"),
    send: $("send"),
    debug: $("debug"),
    turns: $("turns"),
  };
  const state = { sessionId: "", tokenRequired: false, busy: false, pending: "" };

  class ApiError extends Error {
    constructor(status, type, message, retryAfter) {
      super(message);
      this.status = status;
      this.type = type;
      this.retryAfter = retryAfter;
    }
  }

  // -- small DOM helpers (text only) -------------------------------------------------------------
  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  function show(value) {
    if (value === null || value === undefined) return "—";
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function newSessionId() {
    // crypto.randomUUID needs a secure context; getRandomValues works over plain http too.
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // -- the API ----------------------------------------------------------------------------------
  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const given = token();
    if (given) headers.Authorization = "Bearer " + given;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError(0, "network", "expected an answer from the server; none came (" + e.message + "). Is it running?");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const err = data && typeof data.error === "object" && data.error ? data.error : {};
      throw new ApiError(
        response.status,
        err.type || "http_" + response.status,
        err.message || response.statusText || "the server refused the request",
        response.headers.get("Retry-After"),
      );
    }
    return data;
  }

  // -- errors and the token ---------------------------------------------------------------------
  function showError(error) {
    let text = error.status ? error.status + " " + error.type + ": " + error.message : error.message;
    if (error.retryAfter) text += " (retry after " + error.retryAfter + " s)";
    ui.error.textContent = text;
    ui.error.dataset.status = String(error.status || 0);
    ui.error.dataset.type = error.type || "error";
    ui.error.hidden = false;
  }

  function clearError() {
    ui.error.hidden = true;
    ui.error.textContent = "";
    delete ui.error.dataset.status;
    delete ui.error.dataset.type;
  }

  function askForToken(note) {
    sessionStorage.removeItem(TOKEN_KEY);
    ui.tokenNote.textContent = note;
    ui.tokenForm.hidden = false;
    ui.token.value = "";
    ui.token.focus();
    setBusy(state.busy);
  }

  async function useToken(event) {
    event.preventDefault();
    const given = ui.token.value.trim();
    if (!given) return;
    sessionStorage.setItem(TOKEN_KEY, given);
    clearError();
    try {
      // Any authorised answer will do: a 404 for this not-yet-started session means the token works.
      await api("GET", API.sessions + encodeURIComponent(state.sessionId));
    } catch (e) {
      if (e.status === 401) {
        askForToken("The server refused that token. Enter the API token (SKILLS_API_TOKEN) again.");
        showError(e);
        return;
      }
      if (e.status !== 404) showError(e);
    }
    ui.tokenForm.hidden = true;
    ui.token.value = "";
    setBusy(false);
    if (state.pending) ui.text.value = state.pending;
    ui.text.focus();
  }

  function setBusy(busy) {
    state.busy = busy;
    const locked = busy || !ui.tokenForm.hidden;
    ui.text.disabled = locked;
    ui.send.disabled = locked;
    ui.reset.disabled = busy;
    for (const button of ui.messages.querySelectorAll(".quick button")) button.disabled = locked;
  }

  // -- the conversation -------------------------------------------------------------------------
  function addMessage(role, text, buttons) {
    const item = node("li", "msg " + role);
    item.appendChild(node("div", "bubble", text));
    if (buttons && buttons.length) {
      const quick = node("div", "quick");
      for (const label of buttons) {
        const button = node("button", null, label);
        button.type = "button";
        button.addEventListener("click", () => send(String(label)));
        quick.appendChild(button);
      }
      item.appendChild(quick);
    }
    ui.messages.appendChild(item);
    ui.messages.scrollTop = ui.messages.scrollHeight;
    return item;
  }

  function retireQuickReplies() {
    for (const quick of ui.messages.querySelectorAll(".quick")) quick.remove();
  }

  async function send(text) {
    text = text.trim();
    if (!text || state.busy) return;
    if (state.tokenRequired && !token()) {
      state.pending = text;
      askForToken("This server needs its API token (SKILLS_API_TOKEN). It is kept in this browser tab only.");
      return;
    }
    clearError();
    retireQuickReplies();
    const mine = addMessage("user", text);
    ui.text.value = "";
    setBusy(true);
    try {
      const turn = await api("POST", API.chat, { session_id: state.sessionId, text });
      state.pending = "";
      for (const reply of turn.replies || []) addMessage("bot", reply.text, reply.buttons);
      addTurn(turn);
    } catch (e) {
      mine.classList.add("failed");
      mine.title = "not answered";
      if (e.status === 401) {
        state.pending = text;
        setBusy(false);
        askForToken("The server refused the token. Enter the API token (SKILLS_API_TOKEN) again.");
      }
      showError(e);
    } finally {
      setBusy(false);
      if (ui.tokenForm.hidden) ui.text.focus();
    }
  }

  // -- the debug drawer -------------------------------------------------------------------------
  function row(list, label, value, className) {
    list.appendChild(node("dt", null, label));
    const dd = node("dd", className, value);
    dd.dataset.field = label;
    list.appendChild(dd);
    return dd;
  }

  function addTurn(turn) {
    const parse = turn.parse || {};
    const st = turn.state || {};
    const item = node("li", "turn");
    item.dataset.turn = String(st.turn ?? "");
    item.dataset.intent = parse.intent || "";
    item.dataset.confidence = String(parse.confidence ?? "");
    item.dataset.activeFlow = st.active_flow || "";
    item.dataset.slots = JSON.stringify(st.slots || {});
    item.dataset.entities = JSON.stringify((parse.entities || []).map((e) => e.entity));

    item.appendChild(node("h3", null, "Turn " + show(st.turn) + ": " + (turn.text ?? parse.text ?? "")));
    const list = node("dl");
    const confidence = typeof parse.confidence === "number" ? " (" + (parse.confidence * 100).toFixed(1) + "%)" : "";
    row(list, "intent", (parse.intent || "—") + confidence);
    if (parse.fallback) {
      const reason = parse.fallback.reason + (parse.fallback.candidate ? " (top: " + parse.fallback.candidate + ")" : "");
      row(list, "fallback", reason + " — " + (parse.fallback.detail || ""), "fallback");
    }
    const entities = (parse.entities || []).map((e) => e.entity + " = " + show(e.value) + " ‹" + e.text + "›");
    row(list, "entities", entities.length ? entities.join("; ") : "none");
    const slots = Object.entries(st.slots || {}).map(([name, value]) => name + " = " + show(value));
    row(list, "slots", slots.length ? slots.join("; ") : "none");
    // a flow clears its slots when it ends: what this turn set is in its events
    const events = Array.isArray(turn.events) ? turn.events : [];
    const set = events.filter((e) => e.type === "slot_set" && e.value !== null && e.value !== undefined);
    item.dataset.slotsSet = JSON.stringify(Object.fromEntries(set.map((e) => [e.slot, e.value])));
    if (set.length) row(list, "set this turn", set.map((e) => e.slot + " = " + show(e.value)).join("; "));
    row(list, "active flow", st.active_flow || "none");
    if (st.flow_stack && st.flow_stack.length > 1) row(list, "flow stack", st.flow_stack.join(" › "));
    const flowEvents = events
      .filter((e) => /^flow_/.test(e.type || "") && e.flow)
      .map((e) => e.type.slice(5) + " " + e.flow);
    if (flowEvents.length) row(list, "flows", flowEvents.join("; "));
    const reasons = (turn.replies || []).map((r) => {
      const why = r.reason || {};
      return [why.policy, why.flow, why.step].filter((x) => x !== null && x !== undefined && x !== "").join(" / ");
    });
    if (reasons.length) row(list, "replies by", reasons.join("; "));
    if (parse.model_version) row(list, "model", parse.model_version);
    item.appendChild(list);

    // language, PII and analyser labels: the turn's `analysis`, else its text_analysed event
    let found = turn.analysis;
    if (found === undefined || found === null) {
      const event = events.find((e) => e.type === "text_analysed");
      if (event) found = Object.fromEntries(Object.entries(event).filter(([key]) => key !== "type" && key !== "time"));
    }
    if (found !== undefined && found !== null) {
      item.dataset.analysis = "1";
      const analysis = node("dl", "analysis");
      for (const [key, value] of describeAnalysis(found, turn.text)) row(analysis, key, value);
      item.appendChild(node("h3", null, "Analysis"));
      item.appendChild(analysis);
    }

    const raw = node("details");
    raw.appendChild(node("summary", null, "raw turn"));
    raw.appendChild(node("pre", null, JSON.stringify(turn, null, 2)));
    item.appendChild(raw);
    ui.turns.prepend(item);
  }

  function percent(value) {
    return typeof value === "number" ? " (" + (value * 100).toFixed(1) + "%)" : "";
  }

  // Rows of the analysis: a turn's `analysis` ({language, pii, masked, analysers}) or its
  // text_analysed event ({language, language_confidence, pii, labels, masked}); others as JSON.
  function describeAnalysis(found, text) {
    if (typeof found !== "object" || Array.isArray(found)) return [["analysis", show(found)]];
    const rows = [];
    for (const [key, value] of Object.entries(found)) {
      if (key === "language") {
        const guess = value && typeof value === "object" ? value : { code: value, confidence: found.language_confidence };
        rows.push(["language", guess.code ? guess.code + percent(guess.confidence) : "undetected"]);
      } else if (key === "language_confidence" || (key === "masked" && (value === text || value === false))) {
        continue;
      } else if (key === "pii" && Array.isArray(value)) {
        const spans = value.map((s) => s.type + " " + s.start + "–" + s.end + (s.text ? " ‹" + s.text + "›" : ""));
        rows.push(["pii", spans.length ? spans.join("; ") : "none"]);
      } else if ((key === "analysers" || key === "labels") && value && typeof value === "object") {
        for (const [name, result] of Object.entries(value)) {
          rows.push([name, result && result.label !== undefined ? result.label + percent(result.confidence) : show(result)]);
        }
      } else {
        rows.push([key, show(value)]);
      }
    }
    return rows;
  }

  // -- session reset ----------------------------------------------------------------------------
  function startSession() {
    state.sessionId = newSessionId();
    ui.sessionId.textContent = state.sessionId;
    ui.messages.replaceChildren();
    ui.turns.replaceChildren();
    addMessage("system", "New conversation. Say hello, or ask what I can do.");
  }

  async function reset() {
    if (state.busy) return;
    clearError();
    setBusy(true);
    try {
      await api("DELETE", API.sessions + encodeURIComponent(state.sessionId));
    } catch (e) {
      if (e.status === 401) {
        setBusy(false);
        askForToken("The server refused the token. Enter the API token (SKILLS_API_TOKEN) again.");
        showError(e);
        return;
      }
      if (e.status !== 404) showError(e); // 404: nothing was said in this session yet
    } finally {
      setBusy(false);
    }
    startSession();
    if (ui.tokenForm.hidden) ui.text.focus();
  }

  function toggleDebug() {
    const open = ui.debug.hidden;
    ui.debug.hidden = !open;
    ui.toggleDebug.setAttribute("aria-expanded", String(open));
  }

  // -- start ------------------------------------------------------------------------------------
  async function start() {
    ui.tokenForm.addEventListener("submit", useToken);
    ui.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      send(ui.text.value);
    });
    ui.reset.addEventListener("click", reset);
    ui.toggleDebug.addEventListener("click", toggleDebug);
    startSession();
    try {
      const config = await api("GET", API.config);
      state.tokenRequired = Boolean(config.token_required);
      if (config.max_text_chars) ui.text.maxLength = config.max_text_chars;
    } catch (e) {
      showError(e);
    }
    if (state.tokenRequired && !token()) {
      askForToken("This server needs its API token (SKILLS_API_TOKEN). It is kept in this browser tab only.");
    }
    setBusy(false);
    document.body.dataset.ready = "1";
    if (ui.tokenForm.hidden) ui.text.focus();
  }

  start();
})();
