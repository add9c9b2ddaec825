"""bill_review's commands: one function each, (command, uow) -> result; each commits its unit of work."""
