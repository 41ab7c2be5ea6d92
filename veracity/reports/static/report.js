(function () {
  var panel = document.getElementById("panel");
  var pinned = null;
  function idOf(target) {
    var el = target && target.closest ? target.closest("[data-claim], [data-ref]") : null;
    return el ? el.getAttribute("data-claim") || el.getAttribute("data-ref") : null;
  }
  function show(id) {
    var detail = document.getElementById("detail-" + id);
    if (!detail) { return; }
    panel.querySelectorAll(".detail").forEach(function (d) { d.hidden = d !== detail; });
    panel.querySelectorAll(".placeholder").forEach(function (p) { p.hidden = true; });
    panel.setAttribute("data-open", id);
    document.querySelectorAll(".active").forEach(function (el) { el.classList.remove("active"); });
    document.querySelectorAll('[data-claim="' + id + '"], [data-ref="' + id + '"]').forEach(function (el) {
      el.classList.add("active");
    });
  }
  function pin(id) {
    if (!document.getElementById("detail-" + id)) { return; }
    pinned = id;
    show(id);
    if (window.history && history.replaceState) { history.replaceState(null, "", "#claim=" + id); }
  }
  document.addEventListener("mouseover", function (ev) { var id = idOf(ev.target); if (id) { show(id); } });
  document.addEventListener("mouseout", function (ev) { if (pinned && idOf(ev.target)) { show(pinned); } });
  document.addEventListener("focusin", function (ev) { var id = idOf(ev.target); if (id) { show(id); } });
  document.addEventListener("click", function (ev) {
    var go = ev.target.closest ? ev.target.closest("[data-goto]") : null;
    var id = go ? go.getAttribute("data-goto") : idOf(ev.target);
    if (id) { pin(id); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" && ev.key !== " ") { return; }
    var id = idOf(ev.target);
    if (id) { ev.preventDefault(); pin(id); }
  });
  function fromHash() { var m = /^#claim=(c[0-9]+)$/.exec(location.hash); if (m) { pin(m[1]); } }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
