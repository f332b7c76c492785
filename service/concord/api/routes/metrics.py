"""``GET /metrics``: this process's Prometheus metrics, in the text exposition format.

Behind the API key when keys are configured (Prometheus sends one with ``authorization``), open
otherwise, like the rest of the API. The metrics hold no article text and no key, but they do
tell traffic, models and refusals: not for the open internet.
"""

from __future__ import annotations

from litestar.plugins.prometheus import PrometheusController


class MetricsController(PrometheusController):
    """Litestar's Prometheus endpoint at ``/metrics``, kept out of the OpenAPI document."""

    path = "/metrics"
    include_in_schema = False
