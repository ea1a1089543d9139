// The receiving screen's scan queue. A keyboard-wedge scanner types an SSCC and Enter, as fast as the dock
// worker pulls the trigger: each scan gets an id and waits in this page (and in localStorage, so a reload
// keeps it) until the server has answered it. One request at a time, in scan order; a request that gets no
// answer is sent again with the same id, which the server books only once. Without this script the scan
// form posts and the page reloads, one scan at a time.
(() => {
  const scanner = document.getElementById("scanner");
  if (!scanner) return;
  const text = scanner.dataset;
  const form = scanner.querySelector(".scan-form");
  const input = form.querySelector("input[name=sscc]");
  const damagedBox = form.querySelector("input[name=damaged]");
  const log = scanner.querySelector(".scan-log");
  const queueStatus = scanner.querySelector("[data-queue-status]");
  const lists = {
    remaining: document.querySelector('[data-list="remaining"]'),
    scanned: document.querySelector('[data-list="scanned"]'),
  };
  const progressText = document.querySelector("[data-progress]");
  const LOG_LENGTH = 200;
  const TIMEOUT_MS = 15000;

  let queue = load();
  let running = false;
  let waiters = [];

  function load() {
    try {
      return JSON.parse(localStorage.getItem(text.queueKey)) || [];
    } catch {
      return [];
    }
  }

  function save() {
    try {
      if (queue.length) localStorage.setItem(text.queueKey, JSON.stringify(queue));
      else localStorage.removeItem(text.queueKey);
    } catch {
      // private mode or full storage: the queue still lives in this page
    }
  }

  function newId() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    // randomUUID needs a secure context; a DC's handheld may reach the portal over plain HTTP on the LAN.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  const STATE_TEXT = {
    queued: text.textQueued,
    sending: text.textSending,
    retrying: text.textRetrying,
    recorded: text.textRecorded,
    refused: text.textRefused,
  };

  function show(job, state, message) {
    let item = log.querySelector(`[data-scan-id="${job.id}"]`);
    if (!item) {
      item = document.createElement("li");
      item.dataset.scanId = job.id;
      const code = document.createElement("span");
      code.className = "sscc scan-code";
      code.textContent = job.exception ? `${job.code} · ${job.label}` : job.code;
      const state = document.createElement("span");
      state.className = "scan-state";
      const said = document.createElement("span");
      said.className = "scan-message";
      item.append(code, " ", state, " ", said);
      log.prepend(item);
      while (log.children.length > LOG_LENGTH) log.lastElementChild.remove();
    }
    item.className = `scan ${state}`;
    item.dataset.state = state;
    item.querySelector(".scan-state").textContent = STATE_TEXT[state] + (job.damaged ? ` · ${text.textDamaged}` : "");
    if (message !== undefined) item.querySelector(".scan-message").textContent = message;
  }

  function showQueue() {
    const waiting = queue.length;
    queueStatus.hidden = false;
    queueStatus.textContent = waiting ? text.textPendingCount.replace("{count}", waiting) : text.textAllSent;
    queueStatus.classList.toggle("busy", waiting > 0);
  }

  function enqueue(job) {
    queue.push(job);
    save();
    show(job, "queued", "");
    showQueue();
    run();
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function csrfToken() {
    // The cookie first: signing in again in another tab replaces the token this page was served with.
    const cookie = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return cookie ? decodeURIComponent(cookie[1]) : document.querySelector("meta[name=csrf-token]").content;
  }

  async function send(job) {
    const body = new URLSearchParams(
      job.exception
        ? { sscc: job.code, exception: job.exception, ...(job.confirmed ? { confirmed: "yes" } : {}) }
        : { scan_id: job.id, sscc: job.code, damaged: job.damaged ? "1" : "" },
    );
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(job.exception ? text.exceptionUrl : text.scanUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        redirect: "manual", // a sign-in redirect is no answer: keep the scan and try again
        signal: abort.signal,
      });
      if (response.status >= 500 || !(response.headers.get("Content-Type") || "").includes("application/json")) return null;
      const answer = await response.json();
      return answer.status ? answer : null;
    } finally {
      clearTimeout(timer);
    }
  }

  async function run() {
    if (running) return;
    running = true;
    let pause = 250;
    while (queue.length) {
      const job = queue[0];
      show(job, "sending");
      let answer = null;
      try {
        answer = await send(job);
      } catch {
        answer = null; // network down, timed out
      }
      if (!answer) {
        show(job, "retrying");
        await sleep(pause);
        pause = Math.min(pause * 2, 5000);
        continue;
      }
      pause = 250;
      queue.shift();
      save();
      show(job, answer.status === "recorded" ? "recorded" : "refused", answer.message);
      if (answer.status === "recorded") apply(answer);
      showQueue();
    }
    running = false;
    const done = waiters;
    waiters = [];
    done.forEach((resolve) => resolve());
  }

  function sent() {
    return queue.length || running ? new Promise((resolve) => waiters.push(resolve)) : Promise.resolve();
  }

  function place(item, list) {
    const index = Number(item.dataset.index);
    const after = Array.from(list.children).find((other) => Number(other.dataset.index) > index);
    list.insertBefore(item, after || null);
  }

  function apply(answer) {
    const cartons = answer.carton ? [answer.carton] : answer.cartons || []; // an exception's answer names its one carton
    for (const carton of cartons) {
      const item = document.querySelector(`.carton-list [data-sscc="${carton.sscc}"]`);
      if (!item) continue;
      if (answer.exception === "missing") {
        item.classList.add("missing");
        item.classList.remove("damaged");
        delete item.dataset.withPallet;
        place(item, lists.remaining);
        continue;
      }
      if (answer.exception === "damaged" || answer.damaged) item.classList.add("damaged");
      if (answer.exception === "label_missing" || answer.exception === "label_unreadable") item.classList.add(answer.exception.replace("_", "-"));
      if (answer.kind === "pallet") item.dataset.withPallet = "";
      item.classList.remove("missing");
      if (item.parentElement !== lists.scanned) place(item, lists.scanned);
    }
    for (const [name, list] of Object.entries(lists)) document.querySelector(`[data-count="${name}"]`).textContent = list.children.length;
    if (progressText && answer.total !== undefined) {
      progressText.textContent = progressText.dataset.template.replace("{done}", answer.scanned).replace("{total}", answer.total);
    }
    const status = document.querySelector(".page-head .status");
    if (status && answer.state) {
      status.className = `status ${answer.state}`;
      status.textContent = answer.state_label;
    }
    for (const line of answer.lines || []) {
      const row = document.querySelector(`tr[data-line="${line.shipment_line}"]`);
      if (!row) continue;
      row.querySelector("[data-received]").textContent = line.received;
      row.querySelector("[data-damaged]").textContent = line.damaged;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) return;
    enqueue({ id: newId(), code, damaged: Boolean(damagedBox && damagedBox.checked) });
    if (damagedBox) damagedBox.checked = false; // damaged is one scan's exception, never a mode left on
  });

  // A carton's exception buttons (after a pallet scan): through the same queue, so they too survive a lost answer.
  // A label fault may be charged back to the vendor: asked in a dialog first, and sent with the answer.
  const labelDialog = document.querySelector("[data-label-fault-dialog]");
  document.addEventListener("submit", (event) => {
    const exceptionForm = event.target.closest(".carton-exception");
    if (!exceptionForm || !event.submitter) return;
    event.preventDefault();
    const code = exceptionForm.querySelector("input[name=sscc]").value;
    const job = { id: newId(), code, exception: event.submitter.value, label: event.submitter.textContent.trim() };
    if (!event.submitter.hasAttribute("data-label-fault") || !labelDialog) {
      enqueue(job);
      input.focus();
      return;
    }
    const question = labelDialog.getAttribute(`data-question-${job.exception}`) || "";
    labelDialog.querySelector("[data-label-fault-question]").textContent = question.replace("{sscc}", code);
    labelDialog.addEventListener(
      "close",
      () => {
        if (labelDialog.returnValue === "confirm") enqueue({ ...job, confirmed: true });
        input.focus();
      },
      { once: true },
    );
    labelDialog.returnValue = "";
    labelDialog.showModal();
  });
  // Finish receiving: send what is still queued, then ask before finishing with cartons not scanned.
  const finishForm = document.querySelector("[data-finish-form]");
  const dialog = document.querySelector("[data-finish-dialog]");
  if (finishForm && dialog) {
    finishForm.addEventListener("submit", async (event) => {
      const button = event.submitter;
      if (!button || !button.hasAttribute("data-finish") || finishForm.dataset.confirmed) return;
      event.preventDefault();
      if (queue.length || running) {
        queueStatus.hidden = false;
        queueStatus.textContent = dialog.dataset.textWaiting;
        await sent();
      }
      const unscanned = lists.remaining.children.length;
      const finish = (unscannedConfirmed) => {
        // Asked in the dialog: the server, which asks before finishing otherwise, takes this as the answer.
        const field = document.createElement("input");
        field.type = "hidden";
        field.name = unscannedConfirmed ? "confirm_unscanned" : "confirmed";
        field.value = unscannedConfirmed ? "1" : "yes";
        finishForm.append(field);
        finishForm.dataset.confirmed = "1";
        // Not from inside this submit event: a form ignores a submission asked while it fires one.
        setTimeout(() => finishForm.requestSubmit(button), 0);
      };
      dialog.querySelector("[data-finish-count]").textContent = !unscanned
        ? dialog.dataset.textNone
        : unscanned === 1
          ? dialog.dataset.textOne
          : dialog.dataset.textMany.replace("{count}", unscanned);
      dialog.querySelector("[data-finish-question]").textContent = unscanned ? dialog.dataset.questionShort : dialog.dataset.questionAll;
      dialog.addEventListener(
        "close",
        () => {
          if (dialog.returnValue === "confirm") finish(unscanned > 0);
          else input.focus();
        },
        { once: true },
      );
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  // Scans left from before a reload are shown and sent first.
  if (queue.length) {
    queue.forEach((job) => show(job, "queued", ""));
    showQueue();
    run();
  }
})();
