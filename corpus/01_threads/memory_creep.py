"""Allocates and touches memory, 256 MiB at a time, without end."""
chunks = []
while True:
    chunks.append(b"x" * (256 << 20))
