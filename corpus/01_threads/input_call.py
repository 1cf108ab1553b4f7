"""Waits for keyboard input, which nobody will ever type while grading."""
name = input("What is your name? ")
# @right
