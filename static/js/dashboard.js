// What htmx attributes cannot do under our Content Security Policy (no eval, so no
// hx-trigger filters): pause the live poll while the tab is hidden, apply corrections to just
// the items the reader has loaded, keep keyboard focus where the reader is, show a sign-up
// form's errors in place, and copy a citation. The poll itself asks only with its own address, so readers share its answers.
(function () {
  "use strict";

  function isPoll(element) {
    return element && element.hasAttribute && element.hasAttribute("data-poll");
  }

  // A hidden tab skips its polls; "visibilitychange from:document" in the poll's
  // hx-trigger asks again as soon as the reader comes back.
  document.addEventListener("htmx:confirm", function (event) {
    if (isPoll(event.target) && document.visibilityState !== "visible") {
      event.preventDefault();
    }
  });

  // A changed story's poll brings corrected and withdrawn items in a <template>, the same for
  // every reader. Only the ones on this page are touched: htmx's out-of-band swaps would
  // complain about the rest.
  function removeEmptyMonth(heading) {
    if (!heading || !heading.classList.contains("month")) return;
    var next = heading.nextElementSibling;
    if (!next || next.tagName !== "ARTICLE") heading.remove();
  }

  function applyCorrections() {
    var live = document.getElementById("live");
    if (!live) return;
    live.querySelectorAll("template.corrections").forEach(function (template) {
      Array.prototype.forEach.call(template.content.children, function (fresh) {
        var shown = fresh.id && document.getElementById(fresh.id);
        if (!shown) return;
        if (fresh.hasAttribute("data-withdrawn")) {
          var heading = shown.previousElementSibling;
          shown.remove();
          removeEmptyMonth(heading);
        } else {
          shown.replaceWith(document.importNode(fresh, true));
        }
      });
      template.remove();
    });
  }
  document.addEventListener("htmx:afterSettle", applyCorrections);

  // htmx leaves a 4xx answer unswapped; a form marked data-show-errors shows it instead (the
  // sign-up form answers 400 with its errors, 429 when a network asked too often).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if ((status === 400 || status === 429) && form && form.hasAttribute("data-show-errors")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // "Older items" is replaced by the items it loads: when the reader used it from the
  // keyboard, move focus to the first of them rather than losing it.
  var olderFromKeyboard = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    if (link.closest && link.closest(".older") && document.activeElement === link) {
      olderFromKeyboard = document.querySelectorAll("#timeline-items article").length;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (olderFromKeyboard === null) return;
    var first = document.querySelectorAll("#timeline-items article")[olderFromKeyboard];
    olderFromKeyboard = null;
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  });

  // The notice link is replaced by the new items it loads; keep the keyboard there.
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.classList && source.classList.contains("updates-link")) {
      var heading = document.getElementById("timeline-heading");
      if (heading) heading.focus({ preventScroll: true });
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector(".copy-status");
    field.select();
    navigator.clipboard.writeText(field.value).then(
      function () { if (status) status.textContent = "Citation copied."; },
      function () { if (status) status.textContent = "Select the text and copy it."; }
    );
  });

  function showCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", showCopyButtons);
})();
