"""Serving the teaching app to a lecture hall: several Streamlit workers behind HAProxy (`scripts/serve-class`).

One Streamlit process runs every student's reruns on one core. A hall of 200 needs several processes, and a
session's websocket must come back to the process that holds it, so the processes sit behind an existing load
balancer with sticky sessions (HAProxy, from Debian's packages). docs/serving-a-class.md is the user's guide.

    serve/balancer.py   the HAProxy configuration for a list of workers
    serve/workers.py    a Streamlit worker process: its command, its health, its stop
    serve/supervisor.py keeps the workers and the balancer running, restarts one that dies, stops them all
    serve/__main__.py   the command line (`python -m serve`, run by scripts/serve-class)
"""
