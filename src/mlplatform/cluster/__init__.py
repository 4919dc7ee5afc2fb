"""Cluster mode: the kind cluster, its configuration and checks, and the Kubernetes manifests.

- `lifecycle`: create, fill, inspect and delete the kind cluster (`up`, `down`, `status`).
- `config`: versions, names and paths of the cluster; `checks`: prerequisites (Docker, kind, ...).
- `cli`: the `mlplatform cluster ...` commands.
- `manifests`, `manifest_checks`, `manifest_examples`: read, check and demonstrate manifests.
"""
