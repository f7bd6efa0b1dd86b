// Applies a confirmed import without leaving the page, and shows its progress meanwhile.
// Without JavaScript the form posts normally and the page reloads when the import is done.
(function () {
  "use strict";
  var form = document.querySelector("form.import-confirm");
  if (!form || !window.fetch) { return; }
  var box = document.querySelector(".import-progress");
  var bar = box.querySelector("progress");
  var phase = box.querySelector(".import-phase");

  function poll() {
    fetch(form.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.total > 0) { bar.value = Math.round(100 * status.done / status.total); }
        phase.textContent = status.phase;
      })
      .catch(function () { /* the next poll tries again */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    box.hidden = false;
    bar.removeAttribute("value");
    var timer = window.setInterval(poll, 400);
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.statusText); }
        return response.json();
      })
      .then(function (result) {
        window.clearInterval(timer);
        bar.value = 100;
        window.location.assign(result.location);
      })
      .catch(function () {
        window.clearInterval(timer);
        form.submit();
      });
  });
})();
