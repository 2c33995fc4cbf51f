"""``python -m emskg.cli``: the same as the ``emskg`` console script."""

from . import main

raise SystemExit(main())
