// What htmx attributes cannot do under our Content Security Policy (no eval, so no
// hx-trigger filters): pause the live poll while the tab is hidden, apply corrections to just
// the items the reader has loaded, keep keyboard focus where the reader is, show a sign-up
// form's errors in place, copy a citation, and mark what changed since the reader's last
// visit. The poll itself asks only with its own address, so readers share its answers.
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

  // A part of the page that asks for itself again when the poll says the story changed
  // (hx-trigger="story-changed from:body": a chart, the people list) asks at the version the
  // poll announced, an address of its own: an answer the browser or a CDN kept from before
  // the change (max-age) cannot stand in for it. The views ignore the parameter.
  document.addEventListener("htmx:configRequest", function (event) {
    var cause = event.detail.triggeringEvent;
    if (cause && cause.type === "story-changed" && cause.detail && cause.detail.version) {
      event.detail.parameters.version = cause.detail.version;
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

  // Since your last visit. This browser keeps, in its own storage, the version of each story
  // it last showed; the server keeps nothing and sets no cookie. On a return it asks the live
  // poll's shared address what changed since that version, and marks those items. Without
  // JavaScript or storage the line stays hidden and nothing else changes.
  var SEEN = "story-version:";
  var BADGES = { "new": "New", corrected: "Corrected", status: "New status" };

  function seen(story) {
    try {
      return Number(window.localStorage.getItem(SEEN + story)) || 0;
    } catch (error) {
      return 0;
    }
  }

  function keepSeen(story, version) {
    if (!story || !(version > seen(story))) return;
    try {
      window.localStorage.setItem(SEEN + story, String(version));
    } catch (error) {
      // Storage refused (private browsing, full): the next visit marks nothing.
    }
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  function sinceSentence(counts) {
    var parts = [];
    if (counts["new"]) parts.push(plural(counts["new"], "new item", "new items"));
    if (counts.corrected) parts.push(plural(counts.corrected, "correction", "corrections"));
    if (counts.status) parts.push(plural(counts.status, "pledge with a new status", "pledges with a new status"));
    if (parts.length > 1) parts.splice(-2, 2, parts[parts.length - 2] + " and " + parts[parts.length - 1]);
    return "Since your last visit: " + parts.join(", ") + ".";
  }

  function mark(element, what) {
    element.classList.add("since-" + what);
    var badge = document.createElement("span");
    badge.className = "since-badge";
    badge.textContent = BADGES[what] || "Changed";
    var place = element.querySelector(".when") || element;
    place.insertBefore(badge, place.firstChild);
  }

  function showSince(line, marks) {
    var counts = {};
    marks.forEach(function (each) {
      counts[each.what] = (counts[each.what] || 0) + 1;
      document.querySelectorAll(
        '[id="' + CSS.escape(each.id) + '"], [data-item="' + CSS.escape(each.id) + '"]'
      ).forEach(function (element) {
        mark(element, each.what);
      });
    });
    line.textContent = sinceSentence(counts) + " ";
    var first = marks[0];
    var link = document.createElement("a");
    link.href = document.getElementById(first.id) ? "#" + first.id : first.url;
    link.textContent = "Go to the first";
    line.appendChild(link);
    line.hidden = false;
  }

  function markSinceLastVisit() {
    var line = document.getElementById("since-last-visit");
    if (!line || !window.fetch || !window.DOMParser) return;
    var story = line.dataset.story;
    var now = Number(line.dataset.version);
    var last = seen(story);
    keepSeen(story, now);
    if (!last || last >= now) return;
    fetch(line.dataset.updates + "?since=" + last, { headers: { "HX-Request": "true" } })
      .then(function (response) {
        return response.status === 200 ? response.text() : "";
      })
      .then(function (html) {
        var since = html && new DOMParser().parseFromString(html, "text/html").querySelector("template.since");
        if (!since) return;
        if (since.hasAttribute("data-too-many")) {
          line.textContent = "This story has changed a lot since your last visit.";
          line.hidden = false;
          return;
        }
        var marks = Array.prototype.map.call(since.content.querySelectorAll("a[data-item]"), function (a) {
          return { id: a.getAttribute("data-item"), url: a.getAttribute("href"), what: a.getAttribute("data-change") };
        });
        if (marks.length) showSince(line, marks);
      })
      .catch(function () {
        // Offline or refused: nothing is marked, and the page is as it was.
      });
  }
  document.addEventListener("DOMContentLoaded", markSinceLastVisit);

  // The reader loaded the new items (the notice, or new filters): they have seen that version.
  document.addEventListener("htmx:afterSettle", function (event) {
    var line = document.getElementById("since-last-visit");
    var live = document.getElementById("live");
    if (line && live && event.detail.target && event.detail.target.id === "timeline") {
      keepSeen(line.dataset.story, Number(live.dataset.version));
    }
  });

  function showCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", showCopyButtons);
})();
