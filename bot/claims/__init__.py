"""Claims: extraction, claimants, evidence, ledger and disputes."""
