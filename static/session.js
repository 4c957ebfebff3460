// Warns a few minutes before a sign-in ends for inactivity (WCAG 2.2.1) and lets the user
// stay signed in: the warning is an alert dialog that takes focus, so screen readers read it
// out, and its button renews the session (POST /session/extend). When the time has run out,
// it says so and links to sign-in; what was typed in a form stays in the browser (form.js)
// and is put back after signing in.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box || !window.fetch) { return; }
  var idle = parseInt(box.getAttribute("data-idle-seconds"), 10);
  if (!idle) { return; }
  // Warn five minutes before the end, or half way for a short timeout (at least 20 s).
  var lead = Math.max(20, Math.min(300, Math.floor(idle / 2)));
  var title = document.getElementById("session-warning-title");
  var text = document.getElementById("session-warning-text");
  var countdown = box.querySelector("[data-countdown]");
  var button = box.querySelector("[data-extend]");
  var ends = 0;
  var warnTimer = null;
  var ticker = null;
  var before = null;

  function words(seconds) {
    if (seconds >= 120) { return Math.ceil(seconds / 60) + " minutter"; }
    if (seconds >= 60) { return "1 minut"; }
    return seconds + (seconds === 1 ? " sekund" : " sekunder");
  }

  function schedule(remaining) {
    ends = Date.now() + remaining * 1000;
    clearTimeout(warnTimer);
    clearInterval(ticker);
    warnTimer = setTimeout(warn, Math.max(0, (remaining - lead) * 1000));
  }

  function update() {
    var left = Math.round((ends - Date.now()) / 1000);
    if (left <= 0) { ended(); return; }
    countdown.textContent = words(left);
  }

  function warn() {
    before = document.activeElement;
    update();
    box.hidden = false;
    ticker = setInterval(update, 1000);
    button.focus();
  }

  function hide() {
    box.hidden = true;
    clearInterval(ticker);
    if (before && before.focus && document.body.contains(before)) { before.focus(); }
  }

  function ended() {
    clearInterval(ticker);
    clearTimeout(warnTimer);
    title.textContent = "Du er blevet logget ud";
    text.textContent = "Du blev logget ud, fordi du ikke havde været aktiv i et stykke tid. " +
      "Det, du har skrevet i et skema, er ikke gemt, men det står stadig i browseren og " +
      "sættes ind igen, når du har logget ind.";
    var link = document.createElement("a");
    link.href = "/login?udlobet=1&next=" + encodeURIComponent(location.pathname + location.search);
    link.textContent = "Log ind igen";
    link.className = "button";
    button.replaceWith(link);
    box.hidden = false;
    link.focus();
  }

  button.addEventListener("click", function () {
    var token = document.querySelector("input[name=csrf_token]");
    fetch("/session/extend", {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "csrf_token=" + encodeURIComponent(token ? token.value : "")
    }).then(function (response) {
      if (!response.ok) { throw new Error("the session has ended"); }
      return response.json();
    }).then(function (answer) {
      hide();
      schedule(answer.remaining_seconds);
    }).catch(ended);
  });

  // Signing out leaves nothing typed behind in the browser.
  Array.prototype.forEach.call(document.querySelectorAll("form[action='/logout']"), function (f) {
    f.addEventListener("submit", function () {
      try {
        Object.keys(sessionStorage).forEach(function (k) {
          if (k.indexOf("trafiklys:") === 0) { sessionStorage.removeItem(k); }
        });
      } catch (e) { /* storage unavailable: nothing kept */ }
    });
  });

  schedule(idle);
})();
