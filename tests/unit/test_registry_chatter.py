import mlflow
import numpy as np
import pytest
from sklearn.dummy import DummyRegressor

from mlplatform.registry.chatter import register_model
from mlplatform.tracking import temporary_tracking_uri


def test_registration_chatter_is_dropped_and_the_version_returned(tmp_path, capfd) -> None:
    model = DummyRegressor(strategy="constant", constant=3.5).fit(np.zeros((1, 1)), [3.5])
    with temporary_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db"), mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", pip_requirements=[])
        capfd.readouterr()
        first = register_model(info.model_uri, "m")
        second = register_model(info.model_uri, "m")
    assert (int(first.version), int(second.version)) == (1, 2)
    err = capfd.readouterr().err
    assert "Successfully registered" not in err and "already exists" not in err
    assert "Created version" not in err


def test_other_stderr_output_is_kept(monkeypatch, capfd) -> None:
    def noisy(*args, **kwargs):
        import sys

        print("Successfully registered model 'm'.", file=sys.stderr)
        print("WARNING something real", file=sys.stderr)
        raise RuntimeError("registry down")

    monkeypatch.setattr(mlflow, "register_model", noisy)
    with pytest.raises(RuntimeError, match="registry down"):
        register_model("runs:/x/model", "m")
    assert capfd.readouterr().err == "WARNING something real\n"
