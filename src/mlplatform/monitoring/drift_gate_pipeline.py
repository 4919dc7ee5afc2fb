"""The drift gate as a Kubeflow Pipelines step, and a two-window pipeline that runs it.

`drift_gate_op` reads a reference and a current window (Parquet artefacts), runs
`drift_gate.run_gate` and fails the step, naming the failed Evidently tests, when the window does
not pass; the HTML report is an artefact either way. Put it before a step that must not run on
drifted data (retraining on it, promoting a model judged on it). `drift_gate_pipeline` imports two
Parquet files by URI and gates the second against the first.

Example:
    >>> from mlplatform.pipelines import run_pipeline
    >>> run_pipeline(drift_gate_pipeline, {"reference_uri": ref, "current_uri": cur,
    ...                                    "spec": spec.to_dict()})  # doctest: +SKIP
"""

# No `from __future__ import annotations` here: KFP reads the component's real annotations.
from kfp import dsl
from kfp.dsl import HTML, Dataset, Input, Output

from mlplatform.pipelines import RUNTIME_IMAGE

component = dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)


@component
def drift_gate_op(
    reference: Input[Dataset],
    current: Input[Dataset],
    # MonitorSpec.to_dict(): which columns are features, prediction and labels
    spec: dict,
    detector: str,
    max_drifted_share: float,
    report: Output[HTML],
) -> str:
    """Fail the step unless the current window (Parquet) passes the drift gate; HTML report."""
    import pandas as pd

    from mlplatform.monitoring.drift_gate import DriftGateFailedError, run_gate
    from mlplatform.monitoring.windows import MonitorSpec

    result = run_gate(
        pd.read_parquet(reference.path),
        pd.read_parquet(current.path),
        MonitorSpec.from_dict(spec),
        detector=detector,
        max_drifted_share=max_drifted_share,
    )
    with open(report.path, "w", encoding="utf-8") as handle:
        handle.write(result.html)
    report.metadata.update({"passed": result.passed, "failed": list(result.failed)})
    if not result.passed:
        raise DriftGateFailedError(
            f"drift gate failed {len(result.failed)} of {result.n_tests} Evidently tests: "
            f"{'; '.join(result.failed)}. Open the report artefact to see which columns moved."
        )
    return f"passed {result.n_tests} tests"


@dsl.pipeline(name="drift-gate", description="Stop when the current window drifted.")
def drift_gate_pipeline(
    reference_uri: str,
    current_uri: str,
    spec: dict,
    detector: str = "evidently",
    max_drifted_share: float = 0.5,
) -> str:
    """Import two Parquet windows and run the gate on them. Returns the gate's message."""
    reference = dsl.importer(artifact_uri=reference_uri, artifact_class=Dataset, reimport=True)
    current = dsl.importer(artifact_uri=current_uri, artifact_class=Dataset, reimport=True)
    gate = drift_gate_op(
        reference=reference.output,
        current=current.output,
        spec=spec,
        detector=detector,
        max_drifted_share=max_drifted_share,
    )
    return gate.outputs["Output"]
