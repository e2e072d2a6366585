// Siaga's small helpers. Every page works without them; htmx does the live updates.
//
//   <button data-copy="element-id" data-copied-label="Copied" hidden>  copies that element's text
//   <button data-print hidden>                                          prints the page
//   <form data-confirm="Really?">                                       asks before submitting
//   <details class="usermenu">                                          closes on Escape / outside click
//
// Buttons that need JavaScript carry `hidden` in the markup and are revealed here, so no one sees
// a button that cannot work. Visible texts come from data attributes: they are translated there.
(function () {
  "use strict";

  function announce(button, text) {
    var status = button.parentElement.querySelector(".copy-status");
    if (status) {
      status.textContent = text;
    }
  }

  function copyText(button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) {
      return;
    }
    var items = source.querySelectorAll("li");
    var text = items.length
      ? Array.prototype.map.call(items, function (li) { return li.textContent.trim(); }).join("\n")
      : (source.value !== undefined ? source.value : source.textContent).trim();
    var done = function () {
      announce(button, button.dataset.copiedLabel || "✓");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        selectContents(source);
      });
    } else {
      // Plain HTTP (the embedded demo): select the text so Ctrl+C copies it.
      selectContents(source);
      announce(button, button.dataset.selectedLabel || "");
    }
  }

  function selectContents(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function init(root) {
    root.querySelectorAll("[data-copy]:not([data-siaga-ready])").forEach(function (button) {
      button.dataset.siagaReady = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(button);
      });
    });
    root.querySelectorAll("[data-print]:not([data-siaga-ready])").forEach(function (button) {
      button.dataset.siagaReady = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
    root.querySelectorAll("form[data-confirm]:not([data-siaga-ready])").forEach(function (form) {
      form.dataset.siagaReady = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) {
          event.preventDefault();
        }
      });
    });
  }

  function closeMenus(except) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.open = false;
      }
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.usermenu"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var menu = document.querySelector("details.usermenu[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
  // Content swapped in by htmx gets the same helpers.
  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
  });
})();
