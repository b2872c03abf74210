// The API reference page: Swagger UI (vendored in static/vendor/swagger-ui) renders /api/v1/openapi.json.
// No external requests: the validator badge is off, and "Try it out" calls this server only.
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  // the server choice has no label of its own: give it one as soon as Swagger UI draws it (and redraws it)
  new MutationObserver(function () {
    var servers = document.getElementById("servers");
    if (servers && !servers.hasAttribute("aria-label")) servers.setAttribute("aria-label", box.dataset.serversLabel);
  }).observe(box, { childList: true, subtree: true });
  window.ui = window.SwaggerUIBundle({
    url: box.dataset.url,
    domNode: box,
    deepLinking: false,  // its links sit inside the operation buttons (nested controls, tiny targets)
    validatorUrl: null,
    tryItOutEnabled: false,
    withCredentials: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
