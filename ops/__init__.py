"""Operating Nahbar: metrics (Prometheus), health and readiness, JSON logs.

`metrics.py` defines what is counted (every part of the bot may count; nothing here imports a
chat platform); `http.py` serves /healthz, /readyz and /metrics as aiohttp routes, on a port of
their own (NAHBAR_OPS_LISTEN) or mounted on another aiohttp server; `logs.py` formats log
records as JSON lines (NAHBAR_LOG_FORMAT=json).
"""
