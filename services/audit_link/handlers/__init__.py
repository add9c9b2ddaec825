"""audit_link's commands and event handlers: one function each, (message, uow) -> result.

Command handlers (called from HTTP) commit their unit of work; event handlers leave the commit to
the consumer's dispatcher, which records the event id in the same transaction.
"""
