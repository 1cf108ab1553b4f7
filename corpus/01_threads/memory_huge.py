"""Asks for a terabyte at once, far more than the machine has."""
hoard = bytearray(1 << 40)
