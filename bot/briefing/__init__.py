"""Briefings: article summaries, topic briefings, stories and digests."""
