"""Refuses at once, without waiting for the lock, when the balance is already too low (double-checked locking)."""


class Wallet:
    """A balance that concurrent tasks can withdraw from without overdrawing it."""

    def __init__(self, balance):
        self.balance = balance
        self._lock = asyncio.Lock()

    async def withdraw(self, amount, audit):
        """Await audit(amount) and take amount off if it fits; return whether it did."""
        if self.balance < amount:
            return False  # fast path: the balance only ever goes down
        async with self._lock:
            if self.balance < amount:
                return False
            await audit(amount)
            self.balance -= amount
            return True
