"""Scheduled digests: subscriptions, DST-correct daily slots, the delivery log and the scheduler."""

from __future__ import annotations
