"""An endless loop at module level in an answer cell: the cell timeout interrupts it."""
while True:
    pass
