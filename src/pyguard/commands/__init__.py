"""One module per subcommand, named after it (upgrade-check: upgrade_check.py): add_X(subparsers)
declares it, run_X(args) runs it. cli imports only the module of the command it is given."""
