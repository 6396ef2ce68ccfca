// Small progressive enhancements for the admin pages; every page works without them.
"use strict";

// Composer: show only the fields the chosen target needs, and the live recipient count.
(function composer() {
  const form = document.getElementById("compose");
  if (!form) return;
  const out = document.getElementById("recipient-count");
  const show = () => {
    const kind = form.querySelector("input[name=target_kind]:checked")?.value;
    const when = form.querySelector("input[name=when]:checked")?.value;
    form.querySelectorAll(".only-cohort").forEach((el) => { el.hidden = kind !== "cohort"; });
    form.querySelectorAll(".only-agency").forEach((el) => { el.hidden = kind !== "agency"; });
    form.querySelectorAll(".only-narrowed").forEach((el) => { el.hidden = kind !== "cohort" && kind !== "agency"; });
    form.querySelectorAll(".only-later").forEach((el) => { el.hidden = when !== "later"; });
  };
  let timer = null;
  let asked = 0;
  const count = () => {
    const query = new URLSearchParams();
    for (const name of ["target_kind", "cohort", "agency", "channel", "notready"]) {
      const field = form.elements.namedItem(name);
      if (field && field.type === "checkbox") query.set(name, field.checked ? field.value : "");
      else if (field) query.set(name, field.value);
    }
    const mine = ++asked;
    fetch(form.dataset.countUrl + "?" + query, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((body) => {
        if (mine !== asked) return; // an older answer arriving late
        const n = (v) => Number(v || 0).toLocaleString("th-TH");
        out.textContent = body.error
          ? body.error
          : `ผู้รับ ${n(body.count)} คน (LINE ${n(body.by_channel.line)}, Telegram ${n(body.by_channel.telegram)})`;
        out.dataset.count = body.error ? "" : String(body.count);
      })
      .catch(() => { out.textContent = "นับจำนวนผู้รับไม่ได้ในขณะนี้"; });
  };
  const changed = () => { show(); clearTimeout(timer); timer = setTimeout(count, 250); };
  form.addEventListener("change", changed);
  form.elements.namedItem("agency")?.addEventListener("input", changed);
  show();
  count();
})();

// Composer: the announcement as LINE will show it, redrawn as the card's fields are typed (the same
// layout as templates/admin/_line_preview.html, which the preview page draws on the server).
(function linePreview() {
  const form = document.getElementById("compose");
  const out = document.getElementById("line-preview");
  if (!form || !out) return;
  const value = (name) => (form.elements.namedItem(name)?.value || "").trim();
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  };
  const draw = () => {
    const chat = el("div", "line-chat");
    const text = value("text");
    const title = value("card_title");
    if (!title) {
      chat.appendChild(el("div", "line-text", text || "(ข้อความประกาศ)"));
      out.replaceChildren(chat);
      return;
    }
    const bubble = el("article", "flex-bubble");
    const header = el("header", "flex-header");
    header.appendChild(el("p", "flex-title", title));
    if (value("card_subtitle")) header.appendChild(el("p", "flex-subtitle", value("card_subtitle")));
    const body = el("div", "flex-body");
    if (text) body.appendChild(el("p", "flex-text", text));
    const rows = el("dl", "flex-rows");
    for (let n = 1; n <= 4; n++) {
      const label = value(`card_label_${n}`), cell = value(`card_value_${n}`);
      if (!label && !cell) continue;
      const row = el("div");
      row.append(el("dt", "", label), el("dd", "", cell));
      rows.appendChild(row);
    }
    if (rows.childElementCount) body.appendChild(rows);
    bubble.append(header, body);
    const footer = el("footer", "flex-footer");
    for (const [label, kind] of [[value("card_link_label"), "link"], [value("card_phone_label"), "phone"]]) {
      if (label) footer.appendChild(el("span", "flex-button " + kind, label));
    }
    if (footer.childElementCount) bubble.appendChild(footer);
    chat.appendChild(bubble);
    out.replaceChildren(chat);
  };
  form.addEventListener("input", draw);
  draw();
})();

// Broadcast report: follow the sender until everything is settled.
(function report() {
  const card = document.getElementById("report");
  if (!card || card.dataset.done === "true") return;
  const fields = card.querySelectorAll("[data-field]");
  const tick = () => {
    fetch(card.dataset.reportUrl, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((r) => {
        fields.forEach((el) => {
          const value = r[el.dataset.field];
          if (el.tagName === "PROGRESS") el.value = value;
          else el.textContent = typeof value === "number" ? value.toLocaleString("th-TH") : value;
        });
        if (r.done) {
          card.dataset.done = "true";
          card.querySelectorAll("[data-when-pending]").forEach((el) => { el.hidden = true; });
        } else {
          setTimeout(tick, 2000);
        }
      })
      .catch(() => setTimeout(tick, 5000));
  };
  setTimeout(tick, 1000);
})();

// Staff inbox: follow the open conversations (and one conversation's transcript) without reloading.
const INBOX_POLL_MS = 3000;
(function inboxList() {
  const card = document.getElementById("inbox");
  if (!card) return;
  const body = document.getElementById("inbox-rows");
  const cell = (text, className) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };
  const render = (rows) => {
    if (!rows.length) {
      const tr = document.createElement("tr");
      tr.className = "empty-row";
      const td = cell("ไม่มีผู้ใช้รอเจ้าหน้าที่", "empty");
      td.colSpan = 7;
      tr.appendChild(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(...rows.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.id = String(r.id);
      const first = document.createElement("td");
      const link = document.createElement("a");
      link.href = `/admin/inbox/${r.id}`;
      link.textContent = `#${r.id}`;
      first.appendChild(link);
      const last = document.createElement("td");
      const said = document.createElement("span");
      said.className = "said";
      said.textContent = r.last_text;
      const meta = document.createElement("small");
      meta.textContent = ` ${r.last_from} · ${r.last_at}`;
      last.append(said, meta);
      tr.append(first, cell(r.channel), cell(r.agency), cell(r.status), cell(r.waiting || "–", "n"), last,
        cell(r.assigned || "–"));
      return tr;
    }));
  };
  const tick = () => {
    fetch(card.dataset.jsonUrl, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((data) => { render(data.open); setTimeout(tick, INBOX_POLL_MS); })
      .catch(() => setTimeout(tick, INBOX_POLL_MS * 2));
  };
  setTimeout(tick, INBOX_POLL_MS);
})();

(function conversation() {
  const card = document.getElementById("conversation");
  if (!card) return;
  const list = document.getElementById("transcript");
  const status = document.getElementById("conversation-status");
  const assigned = document.getElementById("conversation-assigned");
  const seen = () => new Set(Array.from(list.children, (li) => li.dataset.id));
  const tick = () => {
    fetch(card.dataset.jsonUrl, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((data) => {
        const have = seen();
        for (const line of data.lines) {
          if (have.has(String(line.id))) continue;
          const li = document.createElement("li");
          li.className = `line ${line.from}`;
          li.dataset.id = String(line.id);
          const meta = document.createElement("small");
          meta.textContent = `${line.who} · ${line.at}`;
          const said = document.createElement("p");
          said.className = "said";
          said.textContent = line.text;
          li.append(meta, said);
          list.appendChild(li);
        }
        status.textContent = data.status;
        assigned.textContent = data.assigned || "–";
        if (!data.closed) setTimeout(tick, INBOX_POLL_MS);
      })
      .catch(() => setTimeout(tick, INBOX_POLL_MS * 2));
  };
  setTimeout(tick, INBOX_POLL_MS);
})();
