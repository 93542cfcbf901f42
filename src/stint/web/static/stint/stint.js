// Stint's small enhancements. Every page works without them.
(function () {
  "use strict";

  // Menus are <details>: close the open one on Escape (focus back on its toggle) or on a click elsewhere.
  function openMenus() {
    return document.querySelectorAll("details[data-menu][open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      var toggle = menu.querySelector("summary");
      if (toggle) toggle.focus();
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // Opening one menu closes the others.
  document.querySelectorAll("details[data-menu]").forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) return;
      openMenus().forEach(function (other) {
        if (other !== menu) other.open = false;
      });
    });
  });

  // <button data-copy="#selector">: copy that field's value, and say so in [data-copy-status].
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      var status = document.querySelector("[data-copy-status]");
      if (!field) return;
      function done(message) {
        if (status) status.textContent = message;
      }
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () { done("Copied to the clipboard."); },
          function () { done("Copying failed: select the token and copy it yourself."); }
        );
      } else {
        // Plain-HTTP servers (on-prem, local) have no clipboard API; the field is selected for Ctrl+C.
        done("Selected: press Ctrl+C (or ⌘C) to copy.");
      }
    });
  });
})();
