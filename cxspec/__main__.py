from cxspec.cli import main

main()
