"""Shares one lock between every wallet, so one wallet's slow audit holds up all the others."""


class Wallet:
    _lock = None

    def __init__(self, balance):
        self.balance = balance
        if Wallet._lock is None:
            Wallet._lock = asyncio.Lock()  # Bug: a class attribute, not one per wallet

    async def withdraw(self, amount, audit):
        async with Wallet._lock:
            if self.balance < amount:
                return False
            await audit(amount)
            self.balance -= amount
            return True
