"""The operations every door calls, each taking a session (and `now`): one transaction's work."""
