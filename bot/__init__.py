"""briefbot: a self-hosted news-briefing bot. The core: platform-free."""

__version__ = "0.1.0"
