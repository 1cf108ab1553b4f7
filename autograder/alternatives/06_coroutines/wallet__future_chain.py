"""Serialises withdrawals with a chain of futures: each waits for the previous one's future, then resolves its own."""


class Wallet:
    """A balance that concurrent tasks can withdraw from without overdrawing it."""

    def __init__(self, balance):
        self.balance = balance
        self._last = None  # the future of the latest withdrawal in line

    async def withdraw(self, amount, audit):
        """Await audit(amount) and take amount off if it fits; return whether it did."""
        previous = self._last
        mine = asyncio.get_running_loop().create_future()
        self._last = mine

        def let_next_go(_=None):
            if not mine.done():
                mine.set_result(None)
            if self._last is mine:
                self._last = None

        if previous is not None and not previous.done():
            try:
                await asyncio.shield(previous)  # our cancel must not cancel their future
            except asyncio.CancelledError:
                # we leave the line, but whoever follows still waits for `previous`
                previous.add_done_callback(let_next_go)
                raise
        try:
            if self.balance < amount:
                return False
            await audit(amount)
            self.balance -= amount
            return True
        finally:
            let_next_go()
