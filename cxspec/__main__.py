from cxspec.program import console

console()
