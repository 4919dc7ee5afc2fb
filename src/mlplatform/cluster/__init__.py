"""Cluster mode: the kind cluster, its configuration and checks, and the Kubernetes manifests.

- `lifecycle`: create, fill, inspect and delete the kind cluster (`up`, `down`, `status`), build
  and load the images (`images`), deploy the model services (`deploy`).
- `config`: versions, names and paths of the cluster; `checks`: prerequisites (Docker, kind, ...).
- `cli`: the `mlplatform cluster ...` commands.
- `manifests`, `manifest_checks`, `manifest_examples`: read, check and demonstrate manifests.
- `image_checks`: the rules of the Dockerfiles under `platform/images/`.
"""
