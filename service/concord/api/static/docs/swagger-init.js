// Starts Swagger UI on /schema from a file rather than an inline script, so the page runs under
// a Content-Security-Policy that forbids inline script.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("swagger-container");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the default validator is another origin
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  });
});
