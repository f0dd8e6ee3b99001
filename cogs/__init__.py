"""Discord glue only. Every public module here is an extension loaded at start (see
``bot.client.discover_cogs``); modules starting with ``_`` are shared helpers."""
