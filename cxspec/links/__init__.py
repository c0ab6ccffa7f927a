"""Links from CX groups to later business outcomes (`links:`): what CX is worth."""
