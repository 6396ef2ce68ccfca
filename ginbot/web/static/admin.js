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
