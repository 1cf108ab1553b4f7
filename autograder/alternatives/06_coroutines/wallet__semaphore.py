"""One asyncio.Semaphore(1) per wallet, acquired and released by hand in try/finally."""


class Wallet:
    def __init__(self, balance):
        self.balance = balance
        self._turn = asyncio.Semaphore(1)

    async def withdraw(self, amount, audit):
        await self._turn.acquire()
        try:
            if amount > self.balance:
                return False
            await audit(amount)
            self.balance = self.balance - amount
            return True
        finally:
            self._turn.release()
