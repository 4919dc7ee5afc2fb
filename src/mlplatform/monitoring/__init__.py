"""Monitoring: data and prediction drift, performance once labels arrive, service metrics, SLOs.

Each concern is a module of its own, imported by name (nothing is loaded here): `windows`, `drift`,
`detectors`, `performance` and `drift_gate` (Evidently reports, drift detectors and the pass/fail
gate; docs/drift.md), `prometheus_server` (the local Prometheus's command line and configuration)
and `prometheus_api` (queries over its HTTP API). The SLO rules themselves are
`mlplatform.config.SLO_RULES`, a file in the kustomize tree that both platform modes load
(docs/monitoring.md).
"""
