from mlplatform.lockfile import MARKER, lock_lines


def test_cuda_wheels_get_a_platform_marker_and_the_project_is_dropped() -> None:
    frozen = ["torch==2.14.1", "nvidia-cublas==13.1.0.3", "triton==3.6.0", "mlplatform==0.1.0",
              "-e git+https://example.invalid/x#egg=x", "", "# comment", "Pandas==2.3.3"]  # fmt: skip
    lines = lock_lines(frozen)
    assert lines == [
        f"nvidia-cublas==13.1.0.3 ; {MARKER}",
        "Pandas==2.3.3",
        "torch==2.14.1",
        f"triton==3.6.0 ; {MARKER}",
    ]
