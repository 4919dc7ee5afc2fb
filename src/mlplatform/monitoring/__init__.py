"""Monitoring: data and prediction drift, service metrics in Prometheus, the SLO rules.

Each concern is a module of its own, imported by name (nothing is loaded here): `prometheus_server`
(the local Prometheus's command line and configuration), `prometheus_api` (queries over its HTTP
API). The SLO rules themselves are `mlplatform.config.SLO_RULES`, a file in the kustomize tree
that both platform modes load (see docs/monitoring.md).
"""
