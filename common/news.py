"""News items under the name services were written against (`news.item(...)`);
what crosses the wire is defined in contract/news.py."""
from contract.news import BATCH, NewsEventSchema, NewsItemSchema, NewsKindSchema, events, item

__all__ = ["BATCH", "NewsEventSchema", "NewsItemSchema", "NewsKindSchema", "events", "item"]
