from .nearby import main

raise SystemExit(main())
