// The web chat: a visitor id in localStorage, messages to /api/chat, replies shown as text (never HTML).
(function () {
  "use strict";
  const log = document.getElementById("log");
  const quick = document.getElementById("quick");
  const form = document.getElementById("ask");
  const input = document.getElementById("text");

  function visitorId() {
    let id = localStorage.getItem("ginbot-visitor");
    if (!id) {
      id = "web-" + Array.from(crypto.getRandomValues(new Uint8Array(12)), b => b.toString(16).padStart(2, "0")).join("");
      localStorage.setItem("ginbot-visitor", id);
    }
    return id;
  }

  function show(text, who) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    div.textContent = text;  // textContent: chat text is never interpreted as HTML
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
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
  }

  async function post(payload) {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(Object.assign({user: visitorId()}, payload)),
    });
    if (response.status === 429) {
      // Too many messages: the server says, in Thai, how long to wait.
      const data = await response.json().catch(() => ({}));
      show(data.message || "ส่งข้อความถี่เกินไปค่ะ กรุณารอสักครู่แล้วลองใหม่อีกครั้งนะคะ", "bot");
      return;
    }
    if (!response.ok) { show("ขออภัยค่ะ ระบบขัดข้อง ลองใหม่อีกครั้ง", "bot"); return; }
    const data = await response.json();
    let buttons = [];
    for (const reply of data.replies) {
      show(reply.text, "bot");
      buttons = reply.quick_replies.length ? reply.quick_replies : buttons;
    }
    showQuickReplies(buttons);
    if (data.handoff) followStaff();
  }

  // While staff have the conversation, ask every few seconds for what they wrote (no reload needed).
  const STAFF_POLL_MS = 2000;
  let staffTimer = null;
  let lastStaffMessage = Number(localStorage.getItem("ginbot-staff-last") || 0);
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
    for (const message of data.messages) show(message.text, message.from === "staff" ? "bot staff" : "bot");
    lastStaffMessage = data.last;
    localStorage.setItem("ginbot-staff-last", String(lastStaffMessage));
    if (data.handoff) followStaff();
  }

  function send(text) {
    text = text.trim();
    if (!text) return;
    show(text, "me");
    showQuickReplies([]);
    post({text: text});
  }

  form.addEventListener("submit", event => {
    event.preventDefault();
    send(input.value);
    input.value = "";
    input.focus();
  });

  if (!localStorage.getItem("ginbot-visitor")) { post({text: "", event: "open"}); } else { visitorId(); pollStaff(); }
})();
