"""One module per subcommand beyond validate/schema/init; cli.py adds them to the group."""
