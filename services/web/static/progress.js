// Keeps a running verification's progress bar moving without reloading the page; reloads once it ends.
// Without JavaScript the page shows the progress when opened and a link to refresh it.
(function () {
  "use strict";
  function poll(box) {
    var bar = box.querySelector("progress");
    var count = box.querySelector("[data-field=count]");
    fetch(box.getAttribute("data-poll"), { credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (state) {
        if (!state.running) { window.location.reload(); return; }
        bar.max = state.total; bar.value = state.done;
        count.textContent = state.done + " / " + state.total;
        window.setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 3000); });
  }
  function start() {
    document.querySelectorAll("[data-poll]").forEach(poll);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
