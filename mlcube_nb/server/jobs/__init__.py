"""Asynchronous jobs: the queue (the ``jobs`` table is the truth), the runner, and the executors it uses.

``queue`` holds every state change of a job as a small transactional function; ``runner`` is the
background thread started in the app's lifespan that claims jobs and runs their pipeline steps on a
``concurrent.futures.Executor`` (``executors``); ``signals`` wakes the runner and long-polling waiters.
"""
