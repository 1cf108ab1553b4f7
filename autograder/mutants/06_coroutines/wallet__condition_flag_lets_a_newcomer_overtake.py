"""A busy flag guarded by an asyncio.Condition and notify(): a withdrawal made the moment the wallet is free goes before one that was waiting."""


class Wallet:
    def __init__(self, balance):
        self.balance = balance
        self._busy = False
        self._free = asyncio.Condition()

    async def withdraw(self, amount, audit):
        async with self._free:
            await self._free.wait_for(lambda: not self._busy)
            self._busy = True
        try:
            if self.balance < amount:
                return False
            await audit(amount)
            self.balance -= amount
            return True
        finally:
            async with self._free:
                self._busy = False
                self._free.notify()
