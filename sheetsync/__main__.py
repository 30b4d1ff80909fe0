from sheetsync.cli.main import main

raise SystemExit(main())
