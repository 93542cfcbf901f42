// Tracking: the tracker bar (timer), the keyboard timesheet, the month's record dialog, the explorer's selection.
// The server is the truth: the timer's state is polled, every save answers the new totals.
(function () {
  "use strict";

  function csrf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var any = document.querySelector("input[name=csrfmiddlewaretoken]");
    return any ? any.value : "";
  }

  function postForm(url, data, token) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token, "X-Requested-With": "fetch" },
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // --- the tracker bar ---------------------------------------------------------------------------------------
  var bar = document.querySelector("[data-tracker]");
  if (bar) {
    var startForm = bar.querySelector("[data-tracker-start]");
    var stopForm = bar.querySelector("[data-tracker-stop]");
    var running = bar.querySelector("[data-tracker-running]");
    var what = bar.querySelector("[data-tracker-what]");
    var clockEl = bar.querySelector("[data-tracker-clock]");
    var errorEl = bar.querySelector("[data-tracker-error]");
    var search = bar.querySelector("[data-tracker-search]");
    var itemSelect = bar.querySelector("[data-tracker-item]");
    var startedAt = clockEl.getAttribute("data-started-at") ? Date.parse(clockEl.getAttribute("data-started-at")) : null;
    var skew = 0; // server time minus this computer's time

    function tick() {
      if (startedAt === null) return;
      var seconds = Math.max(0, Math.floor((Date.now() + skew - startedAt) / 1000));
      clockEl.textContent = Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
    }

    function show(state) {
      if (state.now) skew = Date.parse(state.now) - Date.now();
      errorEl.textContent = state.error || "";
      if (state.running) {
        startedAt = Date.parse(state.started_at);
        var text = state.work_item || "No work item";
        if (state.activity_type) text += " · " + state.activity_type;
        if (state.comment) text += " — " + state.comment;
        what.textContent = text;
        running.hidden = false;
        startForm.hidden = true;
        bar.classList.add("is-running");
        tick();
      } else {
        // A timer stopped (here or elsewhere) made a record: pages that list records show it, unless someone types.
        var typing = document.activeElement && document.activeElement.matches("main input, main select, main textarea");
        if (startedAt !== null && document.querySelector("[data-timesheet], .calendar") && !typing) window.location.reload();
        startedAt = null;
        running.hidden = true;
        startForm.hidden = false;
        bar.classList.remove("is-running");
      }
    }

    function refresh() {
      fetch(bar.getAttribute("data-state-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (state) { if (state) show(state); })
        .catch(function () { /* offline: keep ticking; the next poll corrects */ });
    }

    [startForm, stopForm].forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button[type=submit]");
        button.disabled = true;
        postForm(form.action, new FormData(form), csrf(form))
          .then(function (result) { show(result.body); if (result.ok && form === startForm) startForm.reset(); })
          .catch(function () { errorEl.textContent = "Stint could not be reached; try again."; })
          .then(function () { button.disabled = false; });
      });
    });

    // The picker: the recent items, or what the search finds.
    var recent = itemSelect.innerHTML;
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = search.value.trim();
        if (!q) { itemSelect.innerHTML = recent; return; }
        fetch(bar.getAttribute("data-search-url") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (body) {
            itemSelect.innerHTML = "";
            var none = new Option(body.items.length ? "No work item" : "Nothing found for “" + q + "”", "");
            itemSelect.add(none);
            body.items.forEach(function (item) { itemSelect.add(new Option(item.label, item.id)); });
            if (body.items.length) itemSelect.selectedIndex = 1;
          });
      }, 200);
    });

    setInterval(tick, 1000);
    setInterval(refresh, 15000);
    window.addEventListener("focus", refresh);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
    tick();
  }

  // --- the keyboard timesheet --------------------------------------------------------------------------------
  var sheet = document.querySelector("[data-timesheet]");
  if (sheet) {
    var cellUrl = sheet.getAttribute("data-cell-url");
    var token = csrf(null);

    function cells() { return Array.prototype.slice.call(sheet.querySelectorAll("input.cell")); }
    function at(row, col) {
      var rows = sheet.querySelectorAll("tbody tr[data-row]");
      if (row < 0 || row >= rows.length) return null;
      return rows[row].querySelectorAll("input.cell")[col] || null;
    }
    function position(input) {
      var rows = Array.prototype.slice.call(sheet.querySelectorAll("tbody tr[data-row]"));
      return [rows.indexOf(input.closest("tr")), Number(input.getAttribute("data-day"))];
    }
    function errorOf(input) {
      var box = input.parentNode.querySelector(".cell-error");
      if (!box) {
        box = document.createElement("span");
        box.className = "cell-error";
        box.setAttribute("role", "alert");
        box.id = "err-" + input.getAttribute("data-row") + "-" + input.getAttribute("data-day");
        input.parentNode.appendChild(box);
      }
      return box;
    }
    function clearError(input) {
      var box = input.parentNode.querySelector(".cell-error");
      if (box) box.remove();
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }

    // Saves go one after another: each places its record after the ones saved before it on the same day.
    var queue = Promise.resolve();
    function save(input) {
      if (input.value.trim() === input.getAttribute("data-saved")) { clearError(input); return; }
      queue = queue.then(function () { return send(input); });
    }

    function send(input) {
      var data = new FormData();
      data.append("date", input.getAttribute("data-date"));
      data.append("work_item", input.getAttribute("data-item"));
      data.append("activity_type", input.getAttribute("data-activity"));
      data.append("duration", input.value);
      input.classList.add("is-saving");
      return postForm(cellUrl, data, token).then(function (result) {
        input.classList.remove("is-saving");
        if (!result.ok) {
          input.classList.remove("is-saved");
          var box = errorOf(input);
          box.textContent = result.body.error;
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", box.id);
          return;
        }
        clearError(input);
        input.value = result.body.cell;
        input.setAttribute("data-saved", result.body.cell);
        input.classList.add("is-saved");
        setTimeout(function () { input.classList.remove("is-saved"); }, 900);
        Object.keys(result.body.rows).forEach(function (key) {
          var total = sheet.querySelector('[data-row-total="' + key + '"]');
          if (total) total.textContent = result.body.rows[key];
        });
        sheet.querySelectorAll("[data-row-total]").forEach(function (total) {
          if (!(total.getAttribute("data-row-total") in result.body.rows)) total.textContent = "0:00";
        });
        result.body.days.forEach(function (value, i) {
          sheet.querySelector('[data-day-total="' + i + '"]').textContent = value;
        });
        sheet.querySelector("[data-week-total]").textContent = result.body.total;
      }).catch(function () {
        input.classList.remove("is-saving");
        errorOf(input).textContent = "Not saved: Stint could not be reached.";
      });
    }

    cells().forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
      input.addEventListener("change", function () { save(input); });
      input.addEventListener("keydown", function (event) {
        var pos = position(input);
        var target = null;
        if (event.key === "Enter") {
          event.preventDefault();
          save(input);
          return;
        }
        if (event.key === "Escape") {
          input.value = input.getAttribute("data-saved");
          clearError(input);
          return;
        }
        var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
        var atEnd = input.selectionStart === input.value.length;
        var allSelected = input.selectionStart === 0 && input.selectionEnd === input.value.length;
        if (event.key === "ArrowUp") target = at(pos[0] - 1, pos[1]);
        else if (event.key === "ArrowDown") target = at(pos[0] + 1, pos[1]);
        else if (event.key === "ArrowLeft" && (atStart || allSelected)) target = at(pos[0], pos[1] - 1);
        else if (event.key === "ArrowRight" && (atEnd || allSelected)) target = at(pos[0], pos[1] + 1);
        if (target) {
          event.preventDefault();
          target.focus(); // leaving the cell fires "change", which saves it
        }
      });
    });
  }

  // --- the month's record dialog (htmx loads the form into it) --------------------------------------------------
  var dialog = document.getElementById("record-dialog");
  if (dialog) {
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target.id !== "record-dialog-body") return;
      if (!dialog.open) dialog.showModal();
      var first = dialog.querySelector("[aria-invalid=true]") || dialog.querySelector("input:not([type=hidden]), select");
      if (first) first.focus();
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog || event.target.closest("[data-dialog-close]")) dialog.close();
    });
  }

  // --- the explorer's selection -------------------------------------------------------------------------------
  var all = document.querySelector("[data-select-all]");
  var count = document.querySelector("[data-bulk-count]");
  if (all && count) {
    var boxes = document.querySelectorAll("[data-select]");
    var update = function () {
      var n = document.querySelectorAll("[data-select]:checked").length;
      count.textContent = "Selected: " + n;
      all.checked = n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    };
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
    boxes.forEach(function (box) { box.addEventListener("change", update); });
  }
})();
