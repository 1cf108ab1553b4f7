"""Checks the balance, awaits the audit, then subtracts: another task can pass the check in the gap."""


class Wallet:
    def __init__(self, balance):
        self.balance = balance

    async def withdraw(self, amount, audit):
        if self.balance >= amount:
            await audit(amount)  # Bug: other withdrawals run here
            self.balance -= amount
            return True
        return False
