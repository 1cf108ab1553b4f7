"""Guards with a busy flag polled with sleep(0), so waiting withdrawals are not served in the order they arrived."""


class Wallet:
    """A balance that concurrent tasks can withdraw from without overdrawing it."""

    def __init__(self, balance):
        self.balance = balance
        self._busy = False

    async def withdraw(self, amount, audit):
        """Await audit(amount) and take amount off if it fits; return whether it did."""
        while self._busy:
            await asyncio.sleep(0)
        self._busy = True
        try:
            if self.balance < amount:
                return False
            await audit(amount)
            self.balance -= amount
            return True
        finally:
            self._busy = False
