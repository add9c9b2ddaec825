"""scoring's commands and event handlers: one function each, (message, uow) -> result.

Commands are frozen dataclasses carrying their time (`at`, on the service's clock). Command handlers
commit their unit of work; event handlers leave the commit to the consumer's dispatcher, which records
the event id in the same transaction. Reads the routers share (scheme in force, lights, completeness)
live in `queries`.
"""
