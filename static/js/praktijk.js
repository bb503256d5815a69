// Praktijk: small progressive enhancements. Every page works without this file.

// Send Django's CSRF token with every htmx request (the token is in the page's forms).
document.body.addEventListener("htmx:configRequest", function (event) {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) {
    event.detail.headers["X-CSRFToken"] = input.value;
  }
});

// Invitation form: show the fields for an adult or for a child, by the choice "who do you invite".
document.querySelectorAll("form[data-invite-form]").forEach(function (form) {
  function update() {
    const chosen = form.querySelector("input[name=invite_for]:checked");
    form.querySelectorAll("[data-invite-for]").forEach(function (group) {
      group.hidden = chosen !== null && group.dataset.inviteFor !== chosen.value;
    });
  }
  form.querySelectorAll("input[name=invite_for]").forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
});

// A form sent once: the submit button is disabled while the page loads the answer, so a double
// click does not send it twice (the server also ignores a repeat of the same dossier entry).
document.querySelectorAll("form[method=post]").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
});
