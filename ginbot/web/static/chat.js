// The web chat: a visitor id in localStorage, messages to /api/chat, replies shown as text (never HTML),
// cards and buttons built from the JSON with DOM calls. The conversation is kept in this browser's
// localStorage (the server logs questions, not the answers as shown), so a reload shows it again.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const quick = document.getElementById("quick");
  const form = document.getElementById("ask");
  const input = document.getElementById("text");
  const counter = document.getElementById("count");
  const MAX_CHARS = Number(form.dataset.maxChars) || 2000;
  // The counter appears once a message is long enough that the limit matters.
  const WARN_FROM_CHARS = Math.floor(MAX_CHARS * 0.8);
  // Enough for a long conversation; older lines drop off so localStorage never fills up.
  const HISTORY_LIMIT = 200;
  const KEYS = {visitor: "ginbot-visitor", history: "ginbot-history", quick: "ginbot-quick", staff: "ginbot-staff-last"};
  const TH = {
    typing: "ginbot กำลังพิมพ์…",
    offline: "ส่งข้อความไม่สำเร็จค่ะ กรุณาตรวจสอบการเชื่อมต่ออินเทอร์เน็ต แล้วกด “ลองอีกครั้ง” (ข้อความของท่านยังอยู่ ไม่หายค่ะ)",
    broken: "ขออภัยค่ะ ระบบขัดข้องชั่วคราว กรุณากด “ลองอีกครั้ง” ในอีกสักครู่นะคะ",
    tooFast: "ส่งข้อความถี่เกินไปค่ะ กรุณารอสักครู่แล้วกด “ลองอีกครั้ง” นะคะ",
    retry: "ลองอีกครั้ง",
    unsent: "ยังไม่ได้ส่ง",
    left: n => `พิมพ์ได้อีก ${n.toLocaleString("th-TH")} ตัวอักษร`,
    over: n => `ข้อความยาวเกินไป ${n.toLocaleString("th-TH")} ตัวอักษร — ส่งได้ครั้งละไม่เกิน ${MAX_CHARS.toLocaleString("th-TH")} ตัวอักษร กรุณาย่อหรือแบ่งส่งนะคะ`,
  };

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch (error) { return fallback; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (error) { /* storage full or off: the chat still works */ }
  }

  function visitorId() {
    let id = localStorage.getItem(KEYS.visitor);
    if (!id) {
      id = "web-" + Array.from(crypto.getRandomValues(new Uint8Array(12)), b => b.toString(16).padStart(2, "0")).join("");
      localStorage.setItem(KEYS.visitor, id);
    }
    return id;
  }

  let history = load(KEYS.history, []);
  function remember(entry) {
    history.push(entry);
    if (history.length > HISTORY_LIMIT) history = history.slice(-HISTORY_LIMIT);
    save(KEYS.history, history);
  }

  // --- rendering (textContent and attributes only: nothing from the server is parsed as HTML) ---------

  // Web addresses and Thai phone numbers (02-612-6060, 0812345678, 1111) inside answers become links.
  const TAPPABLE = /(https?:\/\/[^\s<>"'()]+[^\s<>"'().,;:!?])|(\+66[\d-]{8,12}\d|\b0\d{1,2}-\d{3}-\d{3,4}\b|\b0\d{8,9}\b)/g;
  function appendLinked(parent, text) {
    let at = 0;
    for (const match of text.matchAll(TAPPABLE)) {
      parent.append(text.slice(at, match.index));
      const a = document.createElement("a");
      a.textContent = match[0];
      if (match[1]) { a.href = match[1]; a.target = "_blank"; a.rel = "noopener"; }
      else { a.href = "tel:" + match[2].replace(/[^\d+]/g, ""); }
      parent.append(a);
      at = match.index + match[0].length;
    }
    parent.append(text.slice(at));
  }

  function bubble(text, who) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    appendLinked(div, text);
    log.appendChild(div);
    return div;
  }

  // A link or phone button opens its address; a message button sends its text as if typed.
  function action(button) {
    let element;
    if (button.uri) {
      element = document.createElement("a");
      element.href = button.uri;
      if (button.kind === "link") { element.target = "_blank"; element.rel = "noopener"; }
    } else {
      element = document.createElement("button");
      element.type = "button";
      element.addEventListener("click", () => send(button.value));
    }
    element.className = "action " + button.kind;
    element.textContent = button.label;
    return element;
  }

  function actions(buttons) {
    const row = document.createElement("div");
    row.className = "actions";
    for (const button of buttons) row.appendChild(action(button));
    return row;
  }

  function card(data) {
    const article = document.createElement("article");
    article.className = "card";
    const title = document.createElement("h2");
    title.textContent = data.title;
    article.appendChild(title);
    for (const [text, cls] of [[data.subtitle, "subtitle"], [data.body, "body"]]) {
      if (!text) continue;
      const p = document.createElement("p");
      p.className = cls;
      appendLinked(p, text);
      article.appendChild(p);
    }
    if (data.fields && data.fields.length) {
      const dl = document.createElement("dl");
      for (const field of data.fields) {
        const dt = document.createElement("dt");
        dt.textContent = field.label;
        const dd = document.createElement("dd");
        appendLinked(dd, field.value);
        dl.append(dt, dd);
      }
      article.appendChild(dl);
    }
    if (data.buttons && data.buttons.length) article.appendChild(actions(data.buttons));
    log.appendChild(article);
    return article;
  }

  // One history entry on the page; returns its first element (what must be in view when it is new).
  function render(entry) {
    if (entry.who !== "bot") return bubble(entry.text, entry.who === "staff" ? "bot staff" : "me");
    const first = bubble(entry.text, "bot");
    if (entry.buttons && entry.buttons.length) first.appendChild(actions(entry.buttons));
    if (entry.card) card(entry.card);
    return first;
  }

  function showQuickReplies(items) {
    quick.replaceChildren();
    for (const item of items) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = item.label;
      button.addEventListener("click", () => send(item.text));
      quick.appendChild(button);
    }
    quick.hidden = items.length === 0;
    save(KEYS.quick, items);
  }

  // The newest answer in view above the quick replies: its end if it fits, else its beginning.
  function reveal(first) {
    log.scrollTop = log.scrollHeight;
    if (first && first.offsetTop < log.scrollTop) log.scrollTop = first.offsetTop - 8;
  }

  function typing() {
    const div = document.createElement("div");
    div.className = "typing";
    div.setAttribute("role", "status");
    div.setAttribute("aria-label", TH.typing);
    for (let i = 0; i < 3; i++) div.appendChild(document.createElement("span"));
    log.appendChild(div);
    reveal(div);
    return div;
  }

  function failure(message, retry) {
    const div = document.createElement("div");
    div.className = "notice";
    div.setAttribute("role", "alert");
    const p = document.createElement("p");
    p.textContent = message;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = TH.retry;
    button.addEventListener("click", () => { div.remove(); retry(); });
    div.append(p, button);
    log.appendChild(div);
    reveal(div);
  }

  // --- talking to the server ------------------------------------------------------------------------

  // One request at a time, in order, so answers never arrive out of turn.
  let queue = Promise.resolve();
  function deliver(payload, mine) {
    queue = queue.then(() => exchange(payload, mine));
  }

  async function exchange(payload, mine) {
    const waiting = typing();
    let response, data;
    try {
      response = await fetch("/api/chat", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify(Object.assign({user: visitorId()}, payload)),
      });
      data = await response.json().catch(() => ({}));
    } catch (error) {
      response = null;
    }
    waiting.remove();
    if (!response || !response.ok) {
      if (mine) { mine.classList.add("failed"); mine.dataset.note = TH.unsent; }
      const message = !response ? TH.offline : response.status === 429 ? (data.message || TH.tooFast) : TH.broken;
      failure(message, () => deliver(payload, mine));
      return;
    }
    if (data.forgotten) {
      // The person's data was deleted on the server: this browser's copy of the conversation goes too.
      forget();
    } else if (mine) {
      mine.classList.remove("failed");
      remember({who: "me", text: payload.text});
    }
    let first = null;
    let choices = [];
    for (const reply of data.replies) {
      // display_text: the words without what the buttons drawn under them already say.
      const entry = {who: "bot", text: reply.display_text ?? reply.text, buttons: reply.buttons || [], card: reply.card || null};
      if (!data.forgotten) remember(entry);
      first = first || render(entry);
      choices = reply.quick_replies.length ? reply.quick_replies : choices;
    }
    showQuickReplies(choices);
    reveal(first);
    if (data.handoff) followStaff();
  }

  // While staff have the conversation, ask every few seconds for what they wrote (no reload needed).
  const STAFF_POLL_MS = 2000;
  let staffTimer = null;
  let lastStaffMessage = Number(localStorage.getItem(KEYS.staff) || 0);
  function followStaff() {
    if (staffTimer === null) staffTimer = setTimeout(pollStaff, STAFF_POLL_MS);
  }
  async function pollStaff() {
    staffTimer = null;
    let data;
    try {
      const query = new URLSearchParams({user: visitorId(), after: String(lastStaffMessage)});
      const response = await fetch("/api/chat/updates?" + query);
      if (!response.ok) { followStaff(); return; }
      data = await response.json();
    } catch (error) { followStaff(); return; }
    let first = null;
    for (const message of data.messages) {
      const entry = {who: message.from === "staff" ? "staff" : "bot", text: message.text};
      remember(entry);
      first = first || render(entry);
    }
    if (first) reveal(first);
    lastStaffMessage = data.last;
    localStorage.setItem(KEYS.staff, String(lastStaffMessage));
    if (data.handoff) followStaff();
  }

  function send(text) {
    text = text.trim();
    if (!text) return false;
    if (Array.from(text).length > MAX_CHARS) { updateCounter(); return false; }
    const mine = bubble(text, "me");
    reveal(mine);
    showQuickReplies([]);
    deliver({text: text}, mine);
    return true;
  }

  // The limit is counted in characters as the server counts them (code points, not UTF-16 units).
  function updateCounter() {
    const used = Array.from(input.value).length;
    const over = used - MAX_CHARS;
    counter.hidden = used < WARN_FROM_CHARS;
    counter.textContent = over > 0 ? TH.over(over) : TH.left(MAX_CHARS - used);
    counter.classList.toggle("over", over > 0);
    input.setAttribute("aria-invalid", String(over > 0));
  }
  input.addEventListener("input", updateCounter);

  form.addEventListener("submit", event => {
    event.preventDefault();
    if (send(input.value)) { input.value = ""; updateCounter(); }
    input.focus();
  });

  function forget() {
    history = [];
    for (const key of Object.values(KEYS)) localStorage.removeItem(key);
  }
  document.getElementById("restart").addEventListener("click", () => { forget(); location.reload(); });

  // A phone's keyboard opening shrinks the page: keep the newest message in view.
  window.addEventListener("resize", () => { log.scrollTop = log.scrollHeight; });

  for (const entry of history) render(entry);
  showQuickReplies(load(KEYS.quick, []));
  log.scrollTop = log.scrollHeight;
  const returning = localStorage.getItem(KEYS.visitor) !== null;
  visitorId();
  if (!history.length) deliver({text: "", event: "open"}, null);
  if (returning) pollStaff();
})();
