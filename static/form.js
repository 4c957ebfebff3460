// Progressive enhancement for the status form: a live character counter per comment and
// focus on the error summary, or else on the message after a change ("besked"). The form works fully without it.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  var saved = document.getElementById("besked");
  if (summary) { summary.focus(); } else if (saved) { saved.focus(); }
  var fields = document.querySelectorAll("textarea[data-counter]");
  Array.prototype.forEach.call(fields, function (field) {
    var counter = document.getElementById(field.getAttribute("data-counter"));
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!counter || !max) { return; }
    var update = function () {
      var left = max - field.value.length;
      counter.textContent = left + " af " + max + " tegn tilbage.";
    };
    counter.setAttribute("aria-live", "polite");
    field.addEventListener("input", update);
    update();
  });
})();

// What is typed in the status form is kept in this tab's sessionStorage, keyed by the form's
// address, until a save succeeds (the page then says "gemt"). When a sign-in has ended and
// the user comes back to the form after signing in again, it is put back, with the version it
// was typed against (so a save in between is still caught as a conflict), and the page says
// so. A page that already shows the user's posted input (an error summary) is not
// overwritten; its values are kept instead. The browser keeps it only while the tab is open,
// and signing out clears it (session.js).
(function () {
  "use strict";
  var form = document.querySelector("form.status-form");
  var storage = null;
  try { storage = window.sessionStorage; } catch (e) { storage = null; }
  if (!form || !storage || !window.JSON) { return; }
  var key = "trafiklys:form:" + location.pathname;
  var editable = !!form.querySelector("button[name=action]");

  function snapshot() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "action") { return; }
      if (el.type === "radio") { if (el.checked) { fields[el.name] = el.value; } }
      else if (el.type === "checkbox") { fields[el.name] = el.checked ? el.value : ""; }
      else { fields[el.name] = el.value; }
    });
    return fields;
  }

  function keep() {
    try { storage.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full: not kept */ }
  }

  function restore(fields) {
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !Object.prototype.hasOwnProperty.call(fields, el.name)) {
        if (el.type === "radio" && el.name && el.checked && !Object.prototype.hasOwnProperty.call(fields, el.name)) {
          el.checked = false; changed = true;
        }
        return;
      }
      var value = fields[el.name];
      if (el.type === "radio") {
        if (el.checked !== (el.value === value)) { el.checked = el.value === value; changed = true; }
      } else if (el.type === "checkbox") {
        if (el.checked !== (value !== "")) { el.checked = value !== ""; changed = true; }
      } else if (el.value !== value) {
        el.value = value; changed = true;
        el.dispatchEvent(new Event("input"));
      }
    });
    return changed;
  }

  var saved = /[?&]gemt=/.test(location.search);
  if (saved) {
    storage.removeItem(key);
  } else if (editable && !document.getElementById("error-summary")) {
    var kept = null;
    try { kept = JSON.parse(storage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept && restore(kept)) {
      var note = document.createElement("div");
      note.className = "notice";
      note.id = "restored-notice";
      note.setAttribute("role", "status");
      note.textContent = "Det, du skrev, før du blev logget ud eller forlod siden, er sat ind igen. " +
        "Det er ikke gemt endnu: tryk «Gem kladde» eller «Indsend».";
      form.parentNode.insertBefore(note, form);
    }
  }
  if (editable) {
    // Kept only once the user has typed (or the page shows what they posted), so that a
    // visit without typing never puts old values over answers saved since.
    if (document.getElementById("error-summary")) { keep(); }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", keep);
  }
})();
