"""``python -m gridmodel``: the ``gridmodel`` command line (:mod:`gridmodel.cli`)."""

from gridmodel.cli import main

if __name__ == "__main__":
    main(prog_name="gridmodel")
