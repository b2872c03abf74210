/* The scan loop: every scan goes into a queue kept on the device, and one sender posts the queue in
 * order, one request at a time. So scans arriving at scanner speed are recorded in order, and scans
 * made while the server is unreachable wait ("N waiting") and go out when it is back. Each scan
 * carries a client-made id: a scan sent twice is recorded once. No external requests. */
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var S = JSON.parse(document.getElementById("scan-strings").textContent);
  var CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var USER = root.dataset.user;
  var KEY = "custody.scan." + USER + ".";
  var $ = function (id) { return document.getElementById(id); };
  var input = $("scan-input"), banner = $("banner"), list = $("session-list");
  var undoButton = $("undo-button");

  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + name); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function store(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
  }

  var queue = load("queue", []);         // jobs not yet answered by the server, oldest first
  var SESSION_MS = 12 * 3600 * 1000;     // the list shows this shift's scans, not yesterday's
  var entries = load("entries", []).filter(function (e) { return !e.ts || Date.now() - e.ts < SESSION_MS; });
  // look-up changes nothing: a page reloaded in look-up mode would "return" a stack of volumes unrecorded
  var action = load("action", "check_out");
  if (action === "lookup") action = "check_out";
  var ctx = load("context", { location: null, person: null, handover: null });
  // the handover mode: scans go to one handover list (交接单), named by its QR code or /scan?handover=…
  var HANDOVER_RE = /(?:\/handovers\/|^)(JJ\d{8}-\d+)\/?$/i;
  if (root.dataset.handoverStart && HANDOVER_RE.test(root.dataset.handoverStart)) {
    ctx.handover = root.dataset.handoverStart.match(HANDOVER_RE)[1].toUpperCase(); action = "handover";
  }
  var online = true;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function fmt(template, params) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return params[k]; });
  }

  /* ---- sound and vibration: Web Audio tones, no files ---- */
  var audio = null;
  function tone(freqs, ms, type) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var t = audio.currentTime;
      freqs.forEach(function (f, i) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.type = type; o.frequency.value = f;
        g.gain.setValueAtTime(0.25, t + i * ms / 1000);
        g.gain.exponentialRampToValueAtTime(0.001, t + (i + 1) * ms / 1000);
        o.connect(g); g.connect(audio.destination);
        o.start(t + i * ms / 1000); o.stop(t + (i + 1) * ms / 1000);
      });
    } catch (e) { /* no audio: the banner and vibration still tell */ }
  }
  function signal(kind) {
    root.dataset.signal = kind;  // which sound played last (the tests read it; nothing else does)
    if (kind === "ok") { tone([880, 1320], 90, "sine"); buzz([60]); }
    else if (kind === "bad") { tone([220, 160], 260, "square"); buzz([250, 100, 250]); }
    else if (kind === "info") { tone([660], 120, "triangle"); buzz([30]); }
    else if (kind === "neutral") { tone([520, 520], 70, "triangle"); buzz([20]); }
    else { tone([440], 60, "sine"); }
  }
  function buzz(pattern) { if (navigator.vibrate) { try { navigator.vibrate(pattern); } catch (e) { /* ignore */ } } }

  /* ---- rendering ---- */
  // the headline says in words what the colour and the sound say: recorded, not recorded, nothing changed
  var HEADS = { ok: S.recorded, bad: S.not_recorded, info: S.context_set, neutral: S.no_change, wait: S.not_yet,
                idle: "" };
  function show(kind, code, archive, text, head, extra) {
    banner.dataset.kind = kind;
    $("banner-head").textContent = head !== undefined ? head : HEADS[kind];
    $("banner-extra").textContent = extra || "";
    $("banner-code").textContent = code || "";
    $("banner-archive").textContent = archive || "";
    $("banner-text").textContent = text || "";
    banner.classList.remove("flash-in"); void banner.offsetWidth; banner.classList.add("flash-in");
  }
  function renderContext() {
    var l = ctx.location, p = ctx.person;
    $("ctx-location").dataset.empty = l ? "false" : "true";
    $("ctx-location-value").textContent = l ? l.code + " · " + l.name : S.no_location;
    $("ctx-person").dataset.empty = p ? "false" : "true";
    $("ctx-person-value").textContent = p ? p.name : S.no_person;
    var panel = $("step-panel");
    if (panel) {
      panel.hidden = action !== "step";
      $("ctx-device").dataset.empty = ctx.device ? "false" : "true";
      $("ctx-device-value").textContent = ctx.device || "—";
    }
    var h = ctx.handover, hb = $("ctx-handover");
    if (hb) { hb.hidden = !h; hb.dataset.empty = h ? "false" : "true"; $("ctx-handover-value").textContent = h || ""; }
    loadTasks(false);
  }
  /* ---- my tasks: what the supervisor assigned to me and to the workstation of the location chip ---- */
  var tasksFor = null;  // the workstation code the list was last loaded for ("" = none)
  function loadTasks(force) {
    var url = root.dataset.tasksUrl, box = $("my-tasks");
    if (!url || !box) return;
    var where = ctx.location ? ctx.location.code : "";
    if (!force && where === tasksFor) return;
    tasksFor = where;
    fetch(url + (where ? "?workstation=" + encodeURIComponent(where) : ""),
          { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (!data) return;  // offline or refused: the list shown stays
        var ul = $("my-tasks-list");
        ul.textContent = "";
        data.assignments.forEach(function (a) {
          var li = document.createElement("li");
          li.dataset.code = a.code;
          li.textContent = a.code + (a.archive_no ? " · " + a.archive_no : "") + " · " + a.step_name +
            (a.workstation ? " · " + a.workstation.name : "");
          ul.appendChild(li);
        });
        $("my-tasks-count").textContent = data.assignments.length;
        box.hidden = data.assignments.length === 0;
      }, function () { tasksFor = null; });
  }
  function renderAction() {
    document.querySelectorAll("[data-action]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.action === action ? "true" : "false");
    });
    if ($("step-panel")) $("step-panel").hidden = action !== "step";
  }
  function renderQueue() {
    var n = queue.length, w = $("waiting");
    w.hidden = n === 0;
    w.textContent = fmt(S.waiting, { n: n });
    $("conn").dataset.online = online ? "true" : "false";
    $("conn-text").textContent = online ? S.online : S.offline;
    undoButton.disabled = !undoTarget();
  }
  function renderList() {
    list.textContent = "";
    for (var i = entries.length - 1; i >= 0; i--) {
      var e = entries[i], li = document.createElement("li");
      li.dataset.status = e.status; li.dataset.clientId = e.client_id;
      var c = document.createElement("span"); c.className = "s-code"; c.textContent = e.code + (e.archive ? " · " + e.archive : "");
      var t = document.createElement("span"); t.className = "s-time"; t.textContent = e.time;
      var x = document.createElement("span"); x.className = "s-text"; x.textContent = e.text;
      li.appendChild(c); li.appendChild(t); li.appendChild(x); list.appendChild(li);
    }
    $("session-count").textContent = "(" + entries.length + ")";
    undoButton.disabled = !undoTarget();
  }
  function save() { store("queue", queue); store("entries", entries.slice(-200)); store("context", ctx); store("action", action); }
  function entry(clientId) { for (var i = entries.length - 1; i >= 0; i--) if (entries[i].client_id === clientId) return entries[i]; return null; }
  function undoTarget() {
    for (var i = entries.length - 1; i >= 0; i--) {
      var e = entries[i];
      if (e.undoable && (e.status === "ok" || e.status === "waiting")) return e;
    }
    return null;
  }

  /* ---- scanning ---- */
  function scan(raw) {
    var code = (raw || "").trim();
    if (!code) { show("bad", "", "", S.nothing_typed); signal("bad"); return; }
    var id = newId();
    if (action === "damage" || action === "secrecy") {  // the registers (6.1, 6.3, 6.5): one request per volume
      var what = "";
      if (action === "damage") {
        what = window.prompt(S.damage_prompt, "");
        if (!what || !what.trim()) { input.focus(); return; }
      }
      queue.push({ type: action, client_id: id, code: code, what: what });
      latest = id;
      entries.push({ client_id: id, ts: Date.now(), code: code.toUpperCase(), archive: "", text: S.sending,
                     status: "waiting", time: new Date().toLocaleTimeString(), undoable: false });
      save(); renderList(); renderQueue(); pump();
      return;
    }
    if (action === "step") {  // the flow sheet (流程单): device label, then the volume to start, again to finish
      var sel = $("step-select"), opt = sel.options[sel.selectedIndex];
      var dev = code.toUpperCase().match(/(?:\/I\/|^)(?:\][A-Z][0-9A-Z])?(D\d{8})\/?$/);
      if (dev) {
        ctx.device = dev[1]; save(); renderContext();
        show("info", ctx.device, "", fmt(S.step_device_set, { code: ctx.device })); signal("info"); return;
      }
      var started = load("started", {}), key = opt.value + ":" + code.toUpperCase();
      var body = { code: code, step: opt.value, client_id: id, device: ctx.device || null,
                   location: ctx.location ? ctx.location.code : null };
      if (opt.dataset.check === "1") {
        if (window.confirm(S.step_check_pass)) { body.action = "pass"; } else {
          body.reason = window.prompt(S.step_fail_reason, "") || "";
          if (!body.reason.trim()) { input.focus(); return; }
          body.action = "fail";
        }
      } else if (started[key]) {
        body.action = "finish";
        if (opt.dataset.counts !== "none") {
          var n = window.prompt(fmt(S.step_count_prompt, { unit: S[opt.dataset.counts] || "" }), "");
          if (n === null || !/^\d+$/.test(n.trim())) { input.focus(); return; }
          body.count = parseInt(n.trim(), 10);
        }
      } else {
        if (opt.dataset.device === "1" && !ctx.device) { show("bad", code, "", S.step_device_first); signal("bad"); return; }
        body.action = "start";
      }
      queue.push({ type: "step", client_id: id, code: code, body: body, key: key });
      entries.push({ client_id: id, ts: Date.now(), code: code.toUpperCase(), archive: "", text: S.sending,
                     status: "waiting", time: new Date().toLocaleTimeString(), undoable: false });
      save(); renderList(); renderQueue(); pump();
      return;
    }
    if (action === "handover") {
      var named = code.match(HANDOVER_RE);
      if (named) {
        ctx.handover = named[1].toUpperCase(); save(); renderContext();
        show("info", ctx.handover, "", fmt(S.handover_set, { number: ctx.handover })); signal("info"); return;
      }
      if (!ctx.handover) { show("bad", code, "", S.handover_first); signal("bad"); return; }
      queue.push({ type: "handover", client_id: id, code: code, handover: ctx.handover });
      latest = id;
      entries.push({ client_id: id, ts: Date.now(), code: code.toUpperCase(), archive: "", text: S.sending,
                     status: "waiting", time: new Date().toLocaleTimeString(), undoable: false });
      save(); renderList(); renderQueue(); pump();
      return;
    }
    queue.push({ type: "scan", client_id: id, code: code, action: action });
    entries.push({ client_id: id, ts: Date.now(), code: code.toUpperCase(), archive: "", text: S.sending, status: "waiting",
                   time: new Date().toLocaleTimeString(), undoable: action !== "lookup" });
    latest = id;
    if (busy || queue.length > 1 || !online) show("wait", code.toUpperCase(), "", online ? S.sending : S.queued);
    save(); renderList(); renderQueue();
    pump();
  }
  function undoLast() {
    var target = undoTarget();
    if (!target) { show("bad", "", "", S.undo_nothing); signal("bad"); return; }
    target.undoable = false;
    var id = newId();
    queue.push({ type: "undo", client_id: id, target: target.client_id, code: target.code });
    latest = id;
    save(); renderQueue(); renderList();
    if (!online || busy) show("wait", target.code, "", S.undo_queued);
    pump();
  }

  /* ---- the sender: one request at a time, in queue order ---- */
  var busy = false, retryTimer = null, delay = 1000;
  var latest = null;  // the client id of the newest scan or undo: the banner is always about it
  var tally = null;   // answers since the queue was last empty: a catch-up ends with a summary
  function newest() { return queue.length ? queue[queue.length - 1] : null; }
  function showWaiting(text) {
    var job = newest();
    show("wait", job ? job.code.toUpperCase() : "", "", text);
  }
  function retryLater(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(pump, ms || delay);
    delay = Math.min(delay * 2, 15000);
  }
  function bodyOf(job) {
    if (!job.body) {
      // the context is taken when the scan is first sent: a location label queued before it has been answered by then
      job.body = job.type === "undo"
        ? { scan_client_id: job.target, client_id: job.client_id }
        : job.type === "handover" ? { code: job.code }
        : job.type === "damage" ? { description: job.what.trim().slice(0, 2000), source: "scan" }
        : job.type === "secrecy" ? {}
        : { code: job.code, action: job.action, client_id: job.client_id,
            location: ctx.location ? ctx.location.code : null, person: ctx.person ? ctx.person.code : null };
      save();
    }
    return job.body;
  }
  var BATCH = 20;
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": CSRF },
      body: JSON.stringify(body)
    });
  }
  function pump() {
    if (busy || !queue.length) { renderQueue(); return; }
    var jobs = [];
    for (var i = 0; i < queue.length && jobs.length < BATCH && queue[i].type === "scan"; i++) jobs.push(queue[i]);
    if (jobs.length > 1) { pumpBatch(jobs); return; }
    busy = true;
    var job = queue[0];
    var url = job.type === "undo" ? root.dataset.undoUrl
      : job.type === "handover" ? root.dataset.handoverUrl.replace("NUMBER", encodeURIComponent(job.handover))
      : job.type === "step" ? root.dataset.stepUrl
      : job.type === "damage" ? root.dataset.damageUrl.replace("CODE", encodeURIComponent(job.code))
      : job.type === "secrecy" ? root.dataset.secrecyUrl.replace("CODE", encodeURIComponent(job.code))
      : root.dataset.scanUrl;
    post(url, bodyOf(job)).then(function (res) {
      return res.json().then(function (data) { return { res: res, data: data }; },
                            function () { return { res: res, data: null }; });
    }).then(function (r) {
      busy = false;
      var res = r.res, data = r.data;
      if (res.status === 401 || (data && data.error && data.error.code === "csrf")) {
        // logged in again elsewhere (a new session has a new CSRF token): take the page's fresh token and retry
        online = true; renderQueue();
        refreshToken().then(function (fresh) {
          if (fresh) { pump(); } else { showWaiting(S.login_again); signal("bad"); retryLater(10000); }
        });
        return;
      }
      if (!data || res.status >= 500) {
        online = true; showWaiting(S.server_error); renderQueue(); retryLater(); return;
      }
      queue.shift(); delay = 1000; online = true;
      if (job.type === "step" && res.status === 404 && data.error && data.error.code === "unknown_code") {
        // no volume: a workstation's label or a badge sets the context in step mode too, as in the other modes
        // (a look-up changes nothing; a code nobody knows is answered as unknown there)
        job.type = "scan"; job.action = "lookup"; job.body = null; queue.unshift(job);
        save(); pump(); return;
      }
      answer(job, res.ok, data);
      settle();
      save(); renderQueue(); renderList();
      pump();
    }, function () {
      busy = false; online = false;
      entries.forEach(function (e) { if (e.status === "waiting") e.text = S.queued; });
      showWaiting(S.queued); renderQueue(); renderList(); retryLater();
    });
  }

  // scans that queued up (offline, or faster than the answers) go in one request, still in order: the
  // server carries them out one by one, as if sent singly, and answers each
  function pumpBatch(jobs) {
    busy = true;
    post(root.dataset.batchUrl, { scans: jobs.map(bodyOf) }).then(function (res) {
      return res.json().then(function (data) { return { res: res, data: data }; },
                            function () { return { res: res, data: null }; });
    }).then(function (r) {
      busy = false;
      var res = r.res, data = r.data;
      if (res.status === 401 || (data && data.error && data.error.code === "csrf")) {
        online = true; renderQueue();
        refreshToken().then(function (fresh) {
          if (fresh) { pump(); } else { showWaiting(S.login_again); signal("bad"); retryLater(10000); }
        });
        return;
      }
      if (!data || !data.results || res.status >= 500) {
        online = true; showWaiting(S.server_error); renderQueue(); retryLater(); return;
      }
      queue.splice(0, data.results.length); delay = 1000; online = true;
      data.results.forEach(function (result, n) { answer(jobs[n], result.status < 300, result); });
      settle();
      save(); renderQueue(); renderList();
      pump();
    }, function () {
      busy = false; online = false;
      entries.forEach(function (e) { if (e.status === "waiting") e.text = S.queued; });
      showWaiting(S.queued); renderQueue(); renderList(); retryLater();
    });
  }

  var lastRefresh = 0;
  function refreshToken() {
    if (Date.now() - lastRefresh < 5000) return Promise.resolve(false);
    lastRefresh = Date.now();
    return fetch(location.pathname, { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      if (!res.ok || res.redirected) return false;
      return res.text().then(function (html) {
        var m = /name="csrf-token" content="([^"]+)"/.exec(html);
        if (!m || m[1] === CSRF) return false;
        CSRF = m[1]; return true;
      });
    }, function () { return false; });
  }

  // what an answer means for the banner: its colour and sound kind, in one place
  function kindOf(ok, data) {
    if (!ok) return "bad";
    if (data.outcome === "location" || data.outcome === "person") return "info";
    if (data.outcome === "lookup" || data.outcome === "already") return "neutral";
    return "ok";
  }

  function answer(job, ok, data) {
    var item = data.item || null;
    var code = item ? item.code : (data.code || job.code);
    var archive = item ? item.archive_no : "";
    var text = ok ? data.message : data.error.message;
    if (job.type === "handover") {  // the handover API answers with the list's line
      var side = ok ? data[data.side] : null;
      archive = ok ? data.archive_no : archive;
      if (ok) text = fmt(S.handover_recorded, { pages: side && side.pages !== null ? side.pages : "—",
                                                condition: side ? side.condition_name : "" });
    }
    if (job.type === "step" && ok) {
      var started = load("started", {});
      if (job.body.action === "start") { started[job.key] = true; } else { delete started[job.key]; }
      store("started", started);
      if (job.body.action !== "start") loadTasks(true);  // a finished step leaves the list
    }
    if (ok && (job.type === "damage" || job.type === "secrecy")) {
      archive = data.archive_no || ""; text = job.type === "damage" ? S.damage_done : S.secrecy_done;
    }
    var kind = kindOf(ok, data);
    var status = kind === "info" || kind === "neutral" ? kind : kind === "ok" ? "ok" : "bad";
    if (job.type === "undo") {
      var target = entry(job.target);
      if (ok && target) { target.status = "undone"; }
      if (!ok && target) { target.undoable = false; }
      entries.push({ client_id: job.client_id, ts: Date.now(), code: code, archive: archive, text: text,
                     status: status, time: new Date().toLocaleTimeString(), undoable: false });
    } else {
      var e = entry(job.client_id) || {};
      e.code = code; e.archive = archive; e.text = text; e.status = status;
      if (kind !== "ok") e.undoable = false;
      if (kind === "ok" && data.event) e.event_id = data.event.id;
    }
    if (ok && data.outcome === "location") {
      ctx.location = { code: data.location.code, name: data.location.name };
      code = data.location.code;
    } else if (ok && data.outcome === "person") {
      ctx.person = { code: data.person.badge, name: data.person.name };
      code = data.person.badge;
    }
    tally = tally || { n: 0, ok: 0, bad: 0, refused: [] };
    tally.n += 1;
    if (kind === "ok") tally.ok += 1;
    if (kind === "bad") { tally.bad += 1; tally.refused.push(code); }
    tally.last = { kind: kind, code: code, archive: archive, text: text,
                   head: ok && data.outcome === "lookup" ? S.lookup_head : undefined };
    renderContext();
  }

  // the queue has run dry: the newest answer is on the banner; after a catch-up of several scans the
  // headline counts them, red (and the refusal sound) when any was refused
  function settle() {
    if (queue.length || !tally) return;
    var t = tally; tally = null;
    if (t.n === 1) { show(t.last.kind, t.last.code, t.last.archive, t.last.text, t.last.head); signal(t.last.kind); return; }
    var head = fmt(S.summary, { n: t.n, ok: t.ok, bad: t.bad });
    var kind = t.bad ? "bad" : t.last.kind;
    var extra = t.bad ? fmt(S.refused_list, { codes: t.refused.join(", ") }) : "";
    show(kind, t.last.code, t.last.archive, t.last.text, t.bad ? "✗ " + head : HEADS[kind] + " · " + head, extra);
    signal(t.bad ? "bad" : t.last.kind);
  }

  /* ---- input: keyboard-wedge scanners type the code then Enter or Tab ---- */
  function take() { var v = input.value; input.value = ""; scan(v); input.focus(); }
  $("scan-ok").addEventListener("click", take);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" || (ev.key === "Tab" && input.value.trim())) { ev.preventDefault(); take(); }
  });
  // keep the focus in the scan field, so the next hardware scan lands there — after a tap; a control worked
  // from the keyboard (a click with detail 0, a select changed by arrow keys) keeps the focus where it is
  var byKeyboard = false;
  document.addEventListener("keydown", function (ev) { if (ev.target !== input) byKeyboard = true; }, true);
  document.addEventListener("pointerdown", function () { byKeyboard = false; }, true);
  function back(ev) { if (!(ev && ev.detail === 0) && !(ev && ev.type === "change" && byKeyboard)) input.focus(); }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (ev.detail !== 0 && !t.closest("input, select, textarea, a, .topbar, form.lang, .skip-link")) setTimeout(function () { input.focus(); }, 0);
  });
  window.addEventListener("focus", function () { input.focus(); });
  document.querySelectorAll("[data-action]").forEach(function (b) {
    b.addEventListener("click", function (ev) {
      action = b.dataset.action; save(); renderAction(); back(ev);
      if (action === "lookup") show("neutral", "", "", S.lookup_mode, S.lookup_head);
    });
  });
  document.querySelectorAll("[data-clear]").forEach(function (b) {
    b.addEventListener("click", function (ev) {
      ctx[b.dataset.clear] = null; save(); renderContext(); show("idle", "", "", S.cleared);
      // the button has gone with what it cleared: from the keyboard, the focus goes to its (now empty) chip
      var chip = b.closest(".ctx");
      if (ev.detail === 0 && chip) { chip.tabIndex = -1; chip.focus(); } else back(ev);
    });
  });
  undoButton.addEventListener("click", function (ev) { undoLast(); if (undoButton.disabled && ev.detail === 0) input.focus(); else back(ev); });
  var stepSelect = $("step-select");
  if (stepSelect) {
    var chosen = load("step", null);
    if (chosen && stepSelect.querySelector('option[value="' + chosen + '"]')) stepSelect.value = chosen;
    stepSelect.addEventListener("change", function (ev) { store("step", stepSelect.value); back(ev); });
  }
  // a handheld with a built-in scanner needs no on-screen keyboard: it stays hidden until asked for
  var keyboard = $("keyboard-button");
  function renderKeyboard() {
    var on = load("keyboard", false);
    input.setAttribute("inputmode", on ? "text" : "none");
    keyboard.setAttribute("aria-pressed", on ? "true" : "false");
  }
  keyboard.addEventListener("click", function () {
    store("keyboard", !load("keyboard", false)); renderKeyboard(); input.blur(); input.focus();
  });
  renderKeyboard();
  window.addEventListener("online", function () { delay = 1000; pump(); });

  /* ---- camera: the decoder is loaded only when the button is tapped ---- */
  var camera = null;
  $("camera-button").addEventListener("click", function () {
    if (camera) { camera.stop(); camera = null; $("camera-box").hidden = true; $("camera-button").textContent = S.camera_start; return; }
    show("idle", "", "", S.camera_starting);
    var s = document.createElement("script");
    s.src = root.dataset.cameraUrl;
    s.onload = function () {
      window.CustodyCamera.start($("camera-video"), root.dataset.zxingUrl, scan).then(function (c) {
        camera = c; $("camera-box").hidden = false; $("camera-button").textContent = S.camera_stop;
        show("idle", "", "", "");
      }, function () { show("bad", "", "", S.camera_unavailable); signal("bad"); });
    };
    s.onerror = function () { show("bad", "", "", S.camera_unavailable); };
    if (!window.CustodyCamera) document.head.appendChild(s); else s.onload();
  });

  /* ---- offline page: the service worker keeps this page and its script available ---- */
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.swScope }).catch(function () { /* page still works online */ });
  }

  renderAction(); renderContext(); renderList(); renderQueue();
  window.custodyScan = { queue: function () { return queue.slice(); }, pump: pump };
  input.focus();
  root.dataset.ready = "true";
  pump();
})();
