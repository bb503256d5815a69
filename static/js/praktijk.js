// Praktijk: send Django's CSRF token with every htmx request (the token is in the page's forms).
document.body.addEventListener("htmx:configRequest", function (event) {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) {
    event.detail.headers["X-CSRFToken"] = input.value;
  }
});
