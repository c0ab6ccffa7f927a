from cxspec.cli import console

console()
