from ginbot.cli import main

raise SystemExit(main())
