"""`python -m components.ingest FILE`: see `components.ingest.cli`."""

from components.ingest.cli import main

raise SystemExit(main())
