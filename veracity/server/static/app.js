/* The veracity page: posts to the server's own API (/v1/verify), draws the report. No external assets;
   every text from the report is inserted as text, never as markup. */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const LABELS = ["supported", "refuted", "not_enough_info", "unscored"];
  const TOKEN_KEY = "veracity-token";
  let lastReport = null;

  const label = (value) => (LABELS.includes(value) ? value : "unscored");
  const fmt = (x, digits = 2) => (x === null || x === undefined ? "n/a" : Number(x).toFixed(digits));
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  };

  function status(message, isError = false) {
    $("status").textContent = message;
    $("status").className = isError ? "error" : "";
  }

  function headers(json) {
    const result = json ? { "Content-Type": "application/json" } : {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) result.Authorization = "Bearer " + token;
    return result;
  }

  class ApiProblem extends Error {
    constructor(status, code, message, retryAfter) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  async function api(path, body) {
    const init = body === undefined ? { headers: headers(false) } : { method: "POST", headers: headers(true), body: JSON.stringify(body) };
    const response = await fetch(path, init);
    if (response.ok) return response;
    let code = "http_error", message = response.status + " " + response.statusText;
    try {
      const error = (await response.json()).error;
      if (error) { code = error.code; message = error.message; }
    } catch (_) { /* not JSON */ }
    if (response.status === 401) {
      $("token-group").hidden = false;
      message = "This server needs an API token: enter it above, then try again.";
    }
    throw new ApiProblem(response.status, code, message, Number(response.headers.get("Retry-After") || 2));
  }

  // -- the server: index or not, ready or not ------------------------------------------------------

  async function loadInfo() {
    let info;
    try {
      info = await (await api("/v1/info")).json();
    } catch (err) {
      $("index-note").textContent = err.message;
      return;
    }
    const retriever = info.run && info.run.retriever;
    $("mode-index").disabled = !info.has_index;
    if (info.has_index) {
      const s = (retriever && retriever.settings) || {};
      $("index-note").textContent = "Index: " + (retriever ? retriever.name : "loaded") +
        (s.documents !== undefined ? " (" + s.documents + " documents, " + s.passages + " passages)" : "");
      if (!$("contexts").value.trim()) $("mode-index").checked = true;
    } else {
      $("index-note").textContent = info.status === "ready"
        ? "This server has no index: paste contexts (start it with --index or --corpus to search one)."
        : "The models are loading (" + info.status + ").";
      $("mode-contexts").checked = true;
      if (info.status === "loading") setTimeout(loadInfo, 2000);
    }
    syncMode();
  }

  function syncMode() {
    const useIndex = $("mode-index").checked;
    $("contexts-group").hidden = useIndex;
  }

  // -- checking ------------------------------------------------------------------------------------

  function payload() {
    const text = $("answer").value;
    if (!text.trim()) throw new Error("Paste an answer to check.");
    const body = { text: text };
    if ($("mode-contexts").checked) {
      const contexts = $("contexts").value.split(/\n\s*\n/).map((c) => c.trim()).filter(Boolean);
      if (!contexts.length) throw new Error("Paste at least one context, or search the server's index.");
      body.contexts = contexts;
    }
    const question = $("question").value.trim();
    if (question) body.question = question;
    return body;
  }

  async function verify(body) {
    const started = Date.now();
    for (;;) {
      try {
        return await (await api("/v1/verify", body)).json();
      } catch (err) {
        const waiting = err instanceof ApiProblem && (err.code === "not_ready" || err.status === 429);
        if (!waiting || Date.now() - started > 180000) throw err;
        status(err.code === "not_ready" ? "The models are loading; retrying…" : "The server is busy; retrying…");
        await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(5, err.retryAfter || 2)));
      }
    }
  }

  async function onSubmit(event) {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    let body;
    try {
      body = payload();
    } catch (err) {
      status(err.message, true);
      return;
    }
    $("check").disabled = true;
    status("Checking claims…");
    try {
      const report = await verify(body);
      lastReport = report;
      render(report);
      const n = report.results.length;
      status(n + (n === 1 ? " claim" : " claims") + " checked.");
      $("result").focus();
    } catch (err) {
      status(err.message, true);
    } finally {
      $("check").disabled = false;
    }
  }

  // -- drawing -------------------------------------------------------------------------------------

  function render(report) {
    $("result").hidden = false;
    renderSummary(report);
    renderAnswer(report.text, report.results);
    renderClaims(report.results);
    renderProvenance(report.provenance);
  }

  function stat(value, name) {
    return el("li", {}, el("b", { text: value }), el("span", { text: name }));
  }

  function renderSummary(report) {
    const s = report.summary;
    const items = [
      stat(String(s.n_claims), "claims"),
      stat(String(s.counts.supported), "supported"),
      stat(String(s.counts.refuted), "refuted"),
      stat(String(s.counts.not_enough_info), "not enough info"),
      stat(String(s.counts.unscored), "unscored"),
      stat(fmt(s.factual_precision), "factual precision"),
    ];
    if (report.metrics) {
      items.push(stat(fmt(report.metrics.faithfulness), "faithfulness"));
      items.push(stat(fmt(report.metrics.hallucination_rate), "hallucination rate"));
    }
    if (report.citations) {
      items.push(stat(fmt(report.citations.recall), "citation recall"));
      items.push(stat(fmt(report.citations.precision), "citation precision"));
    }
    $("summary").replaceChildren(...items);
  }

  function claimId(i) { return "c" + (i + 1); }

  function renderAnswer(text, results) {
    const view = $("answer-view");
    const clamp = (x) => Math.max(0, Math.min(text.length, x));
    const points = new Set([0, text.length]);
    results.forEach((r) => { points.add(clamp(r.claim.start)); points.add(clamp(r.claim.end)); });
    const cuts = [...points].sort((a, b) => a - b);
    const first = new Set();
    const nodes = [];
    for (let i = 0; i < cuts.length - 1; i++) {
      const start = cuts[i], end = cuts[i + 1];
      const piece = text.slice(start, end);
      const covering = results.map((_, j) => j).filter((j) => clamp(results[j].claim.start) <= start && clamp(results[j].claim.end) >= end);
      if (!covering.length) { nodes.push(document.createTextNode(piece)); continue; }
      const j = covering[covering.length - 1];
      const verdict = label(results[j].verdict.label);
      const mark = el("mark", { className: "claim " + verdict, "data-claim": claimId(j), title: "claim " + claimId(j) + ": " + verdict, text: piece });
      if (!first.has(j)) {
        first.add(j);
        mark.setAttribute("tabindex", "0");
        mark.setAttribute("role", "button");
        mark.setAttribute("aria-label", "Claim " + (j + 1) + ", " + verdict.replace(/_/g, " ") + ": " + results[j].claim.text);
      }
      nodes.push(mark);
    }
    view.replaceChildren(...nodes);
  }

  function renderClaims(results) {
    const cards = results.map((result, i) => {
      const verdict = result.verdict;
      const name = label(verdict.label);
      const card = el("li", { className: "claim-card " + name, id: "claim-" + claimId(i), "data-claim": claimId(i), tabindex: "-1" },
        el("div", { className: "claim-head" },
          el("span", { className: "badge verdict-label " + name, text: name }),
          el("span", { className: "claim-text", text: result.claim.text }),
          el("span", { className: "prob", text: "P(supported) " + fmt(verdict.probability) })),
        el("p", { className: "reason", text: verdict.reason || "" }));
      card.append(decidingEvidence(verdict));
      return card;
    });
    $("claims").replaceChildren(...cards);
  }

  function decidingEvidence(verdict) {
    const decided = verdict.decided_by;
    if (!decided || !verdict.evidence[decided.evidence]) {
      return el("p", { className: "reason", text: verdict.evidence.length ? "No single passage decided this verdict." : "No evidence passage." });
    }
    const window = verdict.evidence[decided.evidence].passage.text;
    const start = Math.max(0, decided.span.start - decided.window.start);
    const end = Math.min(window.length, decided.span.end - decided.window.start);
    const meta = "doc " + decided.doc_id + " · passage " + decided.passage_id + " · document chars " +
      decided.doc_span.start + "–" + decided.doc_span.end + " · read in window chars " + decided.window.start + "–" +
      decided.window.end + " of the passage · " + decided.method;
    return el("div", { className: "deciding" },
      el("p", { className: "ev-meta", text: meta }),
      el("blockquote", { className: "window" }, window.slice(0, start),
        el("mark", { className: "deciding-span", text: window.slice(start, end) }), window.slice(end)));
  }

  function renderProvenance(provenance) {
    const facts = $("provenance-facts");
    if (!provenance) { facts.replaceChildren(el("dt", { text: "provenance" }), el("dd", { text: "not recorded" })); return; }
    const run = provenance.run, judge = run.judge, s = judge.settings || {};
    const rows = [
      ["run id", provenance.run_id], ["veracity", run.veracity], ["checked at", provenance.created_at],
      ["judge", judge.kind + ":" + judge.name], ["weights sha256", s.weights_sha256 || "—"],
      ["calibration", s.calibration ? s.calibration.method + " (" + s.calibration.id + ")" : "—"],
      ["threshold", s.threshold === undefined ? "—" : String(s.threshold)],
      ["extractor", run.extractor.kind + ":" + run.extractor.name],
      ["evidence", provenance.evidence === "contexts" ? "contexts given" : run.retriever ? run.retriever.name + " (generation " + run.retriever.settings.generation + ", k=" + run.k + ")" : provenance.evidence],
    ];
    facts.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, el("code", { text: String(v) }))]));
  }

  function activate(id) {
    document.querySelectorAll(".active").forEach((node) => node.classList.remove("active"));
    document.querySelectorAll('[data-claim="' + id + '"]').forEach((node) => node.classList.add("active"));
    const card = $("claim-" + id);
    if (card) { card.scrollIntoView({ block: "nearest" }); card.focus({ preventScroll: true }); }
  }

  // -- downloads -----------------------------------------------------------------------------------

  function save(blob, name) {
    const link = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  async function downloadHtml() {
    if (!lastReport) return;
    try {
      const response = await api("/v1/report/html", lastReport);
      save(new Blob([await response.text()], { type: "text/html" }), "veracity-report.html");
    } catch (err) {
      status(err.message, true);
    }
  }

  // -- wiring --------------------------------------------------------------------------------------

  $("check-form").addEventListener("submit", onSubmit);
  $("mode-contexts").addEventListener("change", syncMode);
  $("mode-index").addEventListener("change", syncMode);
  $("token").addEventListener("change", () => { sessionStorage.setItem(TOKEN_KEY, $("token").value.trim()); loadInfo(); });
  $("answer-view").addEventListener("click", (event) => {
    const mark = event.target.closest("mark.claim");
    if (mark) activate(mark.dataset.claim);
  });
  $("answer-view").addEventListener("keydown", (event) => {
    const mark = event.target.closest("mark.claim");
    if (mark && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); activate(mark.dataset.claim); }
  });
  $("download-json").addEventListener("click", () => {
    if (lastReport) save(new Blob([JSON.stringify(lastReport, null, 2)], { type: "application/json" }), "veracity-report.json");
  });
  $("download-html").addEventListener("click", downloadHtml);
  loadInfo();
})();
