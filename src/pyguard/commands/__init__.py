"""One module per subcommand: add_X(subparsers) declares it, run_X(args) runs it."""
