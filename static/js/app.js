/* Otinish Desk: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // Buttons that print the page (the receipt): no inline handlers, the Content-Security-Policy forbids them.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // A category suggested from the text (appeals.routing): a click chooses it in the registration form,
  // and the checks beside the form then show the competent agency.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-suggest-category]");
    if (!button) return;
    var select = document.getElementById("id_category");
    if (!select) return;
    select.value = button.dataset.suggestCategory;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    document.querySelectorAll("[data-suggest-category]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
  });

  // Selects that switch something (language, agency) submit themselves; their button is for no-JS.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]")) {
      // htmx may have moved the page on (paging, filters): come back to where the user is now.
      if (target.form.elements.next) target.form.elements.next.value = location.pathname + location.search;
      target.form.submit();
    }
    if (target.matches && target.matches("input[data-select-all]")) {
      document.querySelectorAll('input[name="ids"]').forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches && (target.matches('input[name="ids"]') || target.matches("input[data-select-all]"))) {
      updateSelectedCount();
    }
  });

  function updateSelectedCount() {
    var label = document.querySelector("[data-selected-count]");
    if (!label) return;
    var n = document.querySelectorAll('input[name="ids"]:checked').length;
    if (!label.dataset.original) label.dataset.original = label.textContent;
    label.textContent = n ? label.dataset.template.replace("{n}", n) : label.dataset.original;
  }

  // The filter panel folds away once its filters are applied: the list, not the panel, is what the user wants.
  document.addEventListener("submit", function (event) {
    if (event.target.id !== "filters") return;
    var panel = document.getElementById("filter-panel");
    if (panel) panel.open = false;
  });

  // A search box over a select's options (the executors of an agency): typing hides the options that do not match.
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!(box.matches && box.matches("input[data-filter-options]"))) return;
    var select = document.getElementById(box.dataset.filterOptions);
    if (!select) return;
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      var text = option.textContent.toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      option.hidden = !match;
      option.disabled = !match;
      if (match && !first) first = option;
    });
    if (first && (select.selectedIndex < 1 || select.options[select.selectedIndex].hidden)) select.value = first.value;
  });

  // Keyboard: "/" focuses the search, j/k move between rows of a queue, x ticks the row.
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-row] a.rowlink"));
  }
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    var typing = el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      var search = document.getElementById("id_q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (event.key === "j" || event.key === "k") {
      var links = rows();
      if (!links.length) return;
      var index = links.indexOf(document.activeElement);
      index = event.key === "j" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, 0);
      links[index].focus();
      event.preventDefault();
      return;
    }
    if (event.key === "x") {
      var row = document.activeElement && document.activeElement.closest("tr[data-row]");
      var box = row && row.querySelector('input[name="ids"]');
      if (box) { box.checked = !box.checked; updateSelectedCount(); event.preventDefault(); }
    }
  });

  // Only one action form open at a time in the action bar.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open || !details.classList.contains("action")) return;
    var bar = details.closest(".action-bar");
    if (!bar) return;
    bar.querySelectorAll("details.action[open]").forEach(function (other) {
      if (other !== details) other.open = false;
    });
    var first = details.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }, true);

  // While an action is on its way, the workspace cannot be clicked again (its forms would be stale).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "workspace") target.classList.add("busy");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "workspace" && !event.detail.successful) target.classList.remove("busy");
  });

  // A request htmx could not complete (network down, server error) is said, not swallowed.
  document.addEventListener("htmx:responseError", showError);
  document.addEventListener("htmx:sendError", showError);
  function showError() {
    var toast = document.getElementById("htmx-error");
    if (!toast) return;
    toast.hidden = false;
    setTimeout(function () { toast.hidden = true; }, 6000);
  }

  // After htmx swaps the workspace, move focus to its first message so screen readers hear the result.
  document.addEventListener("htmx:afterSettle", function () {
    var message = document.querySelector("#workspace .messages li, #workspace .errorlist, #queue-results .messages li");
    if (message) {
      message.setAttribute("tabindex", "-1");
      message.focus({ preventScroll: false });
    }
  });
})();
