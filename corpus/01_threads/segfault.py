"""Crashes the kernel with a segmentation fault through ctypes."""
import ctypes

ctypes.string_at(0)
