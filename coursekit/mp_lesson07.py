"""Worker functions for lesson 07's examples of pipes and shared arrays.

They live in a module, not in the notebook, so that children started with
spawn or forkserver can import them.
"""

from __future__ import annotations

import time

VOWELS = "aeiou"


def send_words(conn, words) -> None:
    """Send each word down `conn`, then close it: the reader then gets EOFError."""
    for word in words:
        conn.send(word)
    conn.close()


def count_vowels(counts, word) -> None:
    """Add `word`'s vowels to `counts`, one slot per vowel: read a slot, give up the CPU
    (sleep(0)), then write it back. Three steps, so not atomic on their own."""
    for letter in word:
        slot = VOWELS.find(letter)
        if slot >= 0:
            seen = counts[slot]
            time.sleep(0)
            counts[slot] = seen + 1


def tally_vowels_unlocked(counts, words, barrier=None) -> None:
    """Count the vowels of `words` into the shared Array `counts`, unsafely.

    Each update reads a slot, gives up the CPU (sleep(0)), then writes: another
    process can update the same slot in between, and its update is lost.
    """
    if barrier is not None:
        barrier.wait()
    for word in words:
        count_vowels(counts, word)


def tally_vowels_locked(counts, words, barrier=None) -> None:
    """Count the vowels of `words` into `counts`, holding the array's lock for each word."""
    if barrier is not None:
        barrier.wait()
    for word in words:
        with counts.get_lock():  # the whole word's updates form one critical region
            count_vowels(counts, word)
