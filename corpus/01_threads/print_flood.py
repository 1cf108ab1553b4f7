"""Prints 100 MB before a correct answer: the output is cut off, the grade stands."""
print("spam " * (20 << 20))
# @right
