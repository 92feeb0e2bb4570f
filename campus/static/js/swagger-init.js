// Starts Swagger UI on /docs (a file, not an inline script, so the page keeps script-src 'self').
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = {
    url: container.dataset.specUrl,
    domNode: container,
    deepLinking: true,
    validatorUrl: null, // the public validator is on the internet; Campus works without it
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  };
  var overrides = JSON.parse(container.dataset.config || "{}");
  Object.keys(overrides).forEach(function (key) { config[key] = overrides[key]; });
  window.ui = SwaggerUIBundle(config);
});
