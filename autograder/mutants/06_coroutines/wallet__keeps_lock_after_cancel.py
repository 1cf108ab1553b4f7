"""Releases the lock by hand only on normal exceptions, so a cancelled audit leaves it held."""


class Wallet:
    def __init__(self, balance):
        self.balance = balance
        self._lock = asyncio.Lock()

    async def withdraw(self, amount, audit):
        await self._lock.acquire()
        try:
            if self.balance < amount:
                self._lock.release()
                return False
            await audit(amount)
        except Exception:  # Bug: CancelledError is not an Exception, so the lock stays held
            self._lock.release()
            raise
        self.balance -= amount
        self._lock.release()
        return True
