// The demo mailbox: what the demo's SMTP server received (/demo/mailbox/messages), one message
// shown with its HTML part in a sandboxed frame (no scripts, no same origin) and its text part.
const list = document.getElementById("messages");
const count = document.getElementById("count");
const shown = document.getElementById("message");
const time = new Intl.DateTimeFormat(document.documentElement.lang || "en", { dateStyle: "medium", timeStyle: "medium" });

function item(message, selected) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = `#${message.id}`;
  a.dataset.messageId = message.id;
  if (selected) a.setAttribute("aria-current", "true");
  const subject = document.createElement("span");
  subject.className = "subject";
  subject.textContent = message.subject || "(no subject)";
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `To ${message.to} · ${time.format(new Date(message.receivedAt))}`;
  a.append(subject, meta);
  li.append(a);
  return li;
}

async function load() {
  let body;
  try {
    const response = await fetch("/demo/mailbox/messages", { cache: "no-store" });
    if (response.status === 404) {
      count.textContent = "The mailbox is on only while rapport demo runs.";
      return;
    }
    body = await response.json();
  } catch {
    count.textContent = "The demo server could not be reached.";
    return;
  }
  const current = location.hash.slice(1);
  list.replaceChildren(...body.messages.map((m) => item(m, m.id === current)));
  count.textContent = body.total === 1 ? "1 message received." : `${body.total} messages received.`;
}

async function open(id, focus) {
  if (!id) {
    shown.hidden = true;
    return;
  }
  const response = await fetch(`/demo/mailbox/messages/${encodeURIComponent(id)}`, { cache: "no-store" });
  if (!response.ok) {
    shown.hidden = true;
    return;
  }
  const message = await response.json();
  document.getElementById("message-title").textContent = message.subject || "(no subject)";
  document.getElementById("message-to").textContent = message.to;
  document.getElementById("message-from").textContent = message.from;
  document.getElementById("message-at").textContent = time.format(new Date(message.receivedAt));
  document.getElementById("message-unsubscribe").textContent = message.listUnsubscribe || "none (transactional)";
  document.getElementById("message-html").srcdoc = message.html || "<p>This message has no HTML part.</p>";
  document.getElementById("message-text").textContent = message.text || "This message has no plain-text part.";
  shown.hidden = false;
  for (const a of list.querySelectorAll("a")) a.toggleAttribute("aria-current", a.dataset.messageId === id);
  for (const a of list.querySelectorAll("a[aria-current]")) a.setAttribute("aria-current", "true");
  if (focus) document.getElementById("message-title").focus();
}

document.getElementById("refresh").addEventListener("click", load);
window.addEventListener("hashchange", () => open(location.hash.slice(1), true));
await load();
await open(location.hash.slice(1), false);
