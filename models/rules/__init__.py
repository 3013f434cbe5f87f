"""Pure domain logic: functions of their arguments (`now` among them), no database, no I/O."""
