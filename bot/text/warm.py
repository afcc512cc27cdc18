"""Imported by the analysis fork server (``bot.text.pool``): SoMaJo, the fast splitter's tables and
the lemma tables are built there once, so that every worker forked from it starts with them instead
of spending a second or more per language on its first texts."""

from bot.text.sentences import warm_up

warm_up()
