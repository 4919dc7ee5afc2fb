"""Allow `python -m mlplatform`."""

from mlplatform.cli import main

main()
