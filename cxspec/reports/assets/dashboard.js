/* cxspec CX dashboard: expand/collapse, tabs, the details panel, touch-point highlighting and
   metric filters. Everything shown is rendered into the page already; this only shows, hides
   and highlights it. When it has run, <body data-ready="1">. */
(function () {
  "use strict";
  var body = document.body;
  var data = JSON.parse(document.getElementById("cx-data").textContent);
  var panel = document.getElementById("panel");
  var panelBody = panel.querySelector(".panel-body");
  var spotted = null;
  var lastFocus = null;

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  /* ---- pyramid tree */
  function setExpanded(node, open) {
    if (node && node.classList.contains("group")) node.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function toggleNode(node) {
    setExpanded(node, node.getAttribute("aria-expanded") !== "true");
  }
  function expandAncestors(el) {
    var node = el.parentElement && el.parentElement.closest(".node");
    while (node) {
      setExpanded(node, true);
      node = node.parentElement && node.parentElement.closest(".node");
    }
  }
  function treeAction(action) {
    all(".tree-panel:not([hidden]) .node.group").forEach(function (node) {
      var isRoot = node.parentElement.classList.contains("tree");
      setExpanded(node, action === "expand" || isRoot);
    });
  }
  function selectTab(tab) {
    all('[role="tab"]').forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      var target = document.getElementById(t.getAttribute("data-tab"));
      if (target) target.hidden = !on;
    });
  }

  /* ---- details panel */
  function openDetail(key) {
    var template = document.getElementById("detail-" + key);
    if (!template) return;
    if (panel.hidden) lastFocus = document.activeElement;
    panelBody.textContent = "";
    panelBody.appendChild(template.content.cloneNode(true));
    all(".chart-slot", panelBody).forEach(function (slot) {
      var card = document.getElementById("m-" + slot.getAttribute("data-chart"));
      var chart = card && card.querySelector("svg.chart");
      if (chart) slot.appendChild(chart.cloneNode(true));
    });
    panel.hidden = false;
    panel.scrollTop = 0;
    panel.focus({ preventScroll: true });
  }
  function closePanel() {
    panel.hidden = true;
    clearSpot();
    if (lastFocus && lastFocus.focus) lastFocus.focus({ preventScroll: true });
  }

  /* ---- touch point spotlight */
  function spot(tpId) {
    var tp = data.touchpoints[tpId];
    if (!tp) return;
    if (spotted === tpId) { closePanel(); return; }
    spotted = tpId;
    var ids = {};
    tp.metrics.forEach(function (m) { ids[m] = true; });
    all("[data-metric]").forEach(function (el) {
      el.classList.toggle("hl", !!ids[el.getAttribute("data-metric")]);
    });
    all("[data-tp]").forEach(function (el) {
      var on = el.getAttribute("data-tp") === tpId;
      el.classList.toggle("selected", on);
      el.setAttribute("aria-pressed", on ? "true" : "false");
    });
    all(".leaf.hl").forEach(expandAncestors);
    resetFilters();
    body.classList.add("spotlight");
    var bar = document.getElementById("spot-bar");
    document.getElementById("spot-text").textContent = tp.metrics.length
      ? "Highlighting the " + tp.metrics.length + " metric" + (tp.metrics.length === 1 ? "" : "s") + " of touch point: " + tp.name
      : "Touch point " + tp.name + " has no metric yet.";
    bar.hidden = false;
    openDetail("tp-" + tpId);
  }
  function clearSpot() {
    spotted = null;
    body.classList.remove("spotlight");
    all(".hl").forEach(function (el) { el.classList.remove("hl"); });
    all("[data-tp]").forEach(function (el) {
      el.classList.remove("selected");
      el.setAttribute("aria-pressed", "false");
    });
    document.getElementById("spot-bar").hidden = true;
  }

  /* ---- metric filters */
  var filters = { status: "all", category: "all", q: "" };
  var cards = all(".mcard");
  function applyFilters() {
    var shown = 0;
    cards.forEach(function (card) {
      var ok = (filters.status === "all" || card.getAttribute("data-status") === filters.status) &&
        (filters.category === "all" || card.getAttribute("data-category") === filters.category) &&
        (!filters.q || card.getAttribute("data-search").indexOf(filters.q) >= 0);
      card.hidden = !ok;
      if (ok) shown += 1;
    });
    all(".mgroup").forEach(function (group) {
      group.hidden = !group.querySelector(".mcard:not([hidden])");
    });
    document.getElementById("metric-count").textContent = shown === cards.length
      ? cards.length + " metrics" : shown + " of " + cards.length + " metrics";
  }
  function resetFilters() {
    filters = { status: "all", category: "all", q: "" };
    all('.chip[data-filter="status"]').forEach(function (c) {
      c.setAttribute("aria-pressed", c.getAttribute("data-value") === "all" ? "true" : "false");
    });
    all('select[data-filter], input[data-filter]').forEach(function (el) {
      el.value = el.tagName === "SELECT" ? "all" : "";
    });
    applyFilters();
  }
  function goto(metricId) {
    var card = document.getElementById("m-" + metricId);
    if (!card) return;
    if (card.hidden) resetFilters();
    card.scrollIntoView({ behavior: "smooth", block: "center" });
    card.classList.remove("flash");
    void card.offsetWidth;
    card.classList.add("flash");
  }

  /* ---- events */
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    var el;
    if ((el = t.closest("[data-close]"))) { closePanel(); return; }
    if ((el = t.closest("[data-goto]"))) { ev.preventDefault(); goto(el.getAttribute("data-goto")); return; }
    if ((el = t.closest("[data-toggle]"))) { toggleNode(el.closest(".node")); return; }
    if ((el = t.closest("[data-tree]"))) { treeAction(el.getAttribute("data-tree")); return; }
    if ((el = t.closest('[role="tab"]'))) { selectTab(el); return; }
    if ((el = t.closest("[data-clear-spot]"))) { clearSpot(); return; }
    if ((el = t.closest('.chip[data-filter]'))) {
      filters.status = el.getAttribute("data-value");
      all('.chip[data-filter="status"]').forEach(function (c) {
        c.setAttribute("aria-pressed", c === el ? "true" : "false");
      });
      applyFilters();
      return;
    }
    if ((el = t.closest("[data-detail]"))) { openDetail(el.getAttribute("data-detail")); return; }
    if ((el = t.closest("[data-spot]"))) { spot(el.getAttribute("data-spot")); return; }
    if ((el = t.closest("[data-tp]"))) { spot(el.getAttribute("data-tp")); return; }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !panel.hidden) { closePanel(); return; }
    var tp = ev.target.closest && ev.target.closest("[data-tp]");
    if (tp && ev.target === tp && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      spot(tp.getAttribute("data-tp"));
    }
  });
  all("select[data-filter], input[data-filter]").forEach(function (el) {
    el.addEventListener("input", function () {
      var key = el.getAttribute("data-filter");
      filters[key] = key === "q" ? el.value.trim().toLowerCase() : el.value;
      applyFilters();
    });
  });

  /* ---- issue filters: owner and state */
  var issueFilters = { owner: "*", state: "*" };
  function applyIssueFilters() {
    var items = all("ul.issues > li.issue");
    var shown = 0;
    items.forEach(function (li) {
      var ok = (issueFilters.owner === "*" || li.getAttribute("data-owner") === issueFilters.owner) &&
        (issueFilters.state === "*" || li.getAttribute("data-state") === issueFilters.state);
      li.hidden = !ok;
      if (ok) shown += 1;
    });
    var count = document.getElementById("issue-count");
    if (count) count.textContent = shown === items.length ? "" : shown + " of " + items.length + " issues";
  }
  all("select[data-issue-filter]").forEach(function (el) {
    el.addEventListener("input", function () {
      issueFilters[el.getAttribute("data-issue-filter")] = el.value;
      applyIssueFilters();
    });
  });

  /* ---- segment selector: one segment's column beside the total's */
  var segmentSelect = document.getElementById("segment-select");
  if (segmentSelect) {
    segmentSelect.addEventListener("input", function () {
      var chosen = segmentSelect.value;
      all("#segment-values [data-segment]").forEach(function (cell) {
        cell.hidden = chosen !== "*" && cell.getAttribute("data-segment") !== chosen;
      });
      all("table.league tr[data-segment]").forEach(function (row) {
        row.classList.toggle("chosen", row.getAttribute("data-segment") === chosen);
      });
    });
  }

  body.setAttribute("data-ready", "1");
})();
