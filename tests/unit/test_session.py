"""start_notebook quietens the libraries and sets the display, in a fresh interpreter each time."""

import subprocess
import sys


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_mlflow_imported_after_the_setup_logs_warnings_only() -> None:
    code = """
import logging
from mlplatform.session import quiet_libraries
quiet_libraries()
import mlflow  # configures its loggers on import: after the setup call here
print(logging.getLogger("mlflow").getEffectiveLevel(), logging.getLogger("alembic").level)
"""
    assert run_python(code) == "30 30"


def test_mlflow_imported_before_the_setup_is_quietened_too() -> None:
    code = """
import logging
import mlflow
from mlplatform.session import quiet_libraries
quiet_libraries()
print(logging.getLogger("mlflow").getEffectiveLevel())
"""
    assert run_python(code) == "30"


def test_start_notebook_prints_the_mode_and_sets_the_display() -> None:
    code = """
import pandas as pd
from mlplatform.session import start_notebook
start_notebook(1)
print(pd.get_option("display.width"), pd.get_option("display.max_columns"))
"""
    out = run_python(code).splitlines()
    assert out[0].startswith("mode") and out[-1] == "120 30"
