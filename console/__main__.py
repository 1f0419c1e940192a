"""`python -m drconsole` runs the command line."""

from drconsole.cli.main import main

main()
