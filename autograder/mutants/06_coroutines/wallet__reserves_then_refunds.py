"""Takes the amount off before the audit and refunds it on failure: a later withdrawal sees the reserved balance."""


class Wallet:
    def __init__(self, balance):
        self.balance = balance

    async def withdraw(self, amount, audit):
        if self.balance < amount:
            return False
        self.balance -= amount  # Bug: not one at a time; a refused withdrawal may have fitted
        try:
            await audit(amount)
        except BaseException:
            self.balance += amount
            raise
        return True
