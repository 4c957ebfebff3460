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
