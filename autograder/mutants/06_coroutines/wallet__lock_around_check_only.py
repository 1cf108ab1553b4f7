"""Holds the lock for the check only, and releases it before awaiting the audit."""


class Wallet:
    def __init__(self, balance):
        self.balance = balance
        self._lock = asyncio.Lock()

    async def withdraw(self, amount, audit):
        async with self._lock:
            enough = self.balance >= amount
        if not enough:
            return False
        await audit(amount)  # Bug: outside the lock, so two withdrawals pass the check
        self.balance -= amount
        return True
